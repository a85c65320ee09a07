import { TextField } from './TextField';

interface ExpiryFieldProps {
  /** The `datetime-local` value (local wall-clock time); read it with lib/expiry's expiryIso. */
  value: string;
  onChange(value: string): void;
  /** What leaving it empty means for this object. */
  hint: string;
  error?: string | undefined;
  'data-testid'?: string;
}

/** The optional `expires_at` of what a dialog creates, typed in the user's local time. */
export function ExpiryField({ value, onChange, hint, error, 'data-testid': testId }: ExpiryFieldProps) {
  return (
    <TextField
      label="Expires (optional)"
      name="expires_at"
      type="datetime-local"
      value={value}
      onChange={(e) => onChange(e.target.value)}
      hint={`Your local time. ${hint}`}
      error={error}
      data-testid={testId}
    />
  );
}
