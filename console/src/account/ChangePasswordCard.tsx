import { type ChangeEvent, type FormEvent, useState } from 'react';
import { ApiError, api } from '../api';
import { useSession } from '../auth/SessionContext';
import { formatSeconds } from '../lib/format';
import { MIN_PASSWORD, newPasswordErrors } from '../lib/passwords';
import { useCountdown } from '../lib/useCountdown';
import { Button } from '../ui/Button';
import { Card } from '../ui/Card';
import { ErrorBanner } from '../ui/ErrorBanner';
import { TextField } from '../ui/TextField';

interface Values {
  current: string;
  next: string;
  confirm: string;
}

const EMPTY: Values = { current: '', next: '', confirm: '' };

function validate(values: Values): Partial<Values> {
  const { password, confirm } = newPasswordErrors(values.next, values.confirm);
  return {
    ...(values.current ? {} : { current: 'Enter your current password.' }),
    ...(password ? { next: password } : {}),
    ...(confirm ? { confirm } : {}),
  };
}

/** Changes the password; the server then ends every other session of the user. */
export function ChangePasswordCard({ onChanged }: { onChanged: () => void }) {
  const { user } = useSession();
  const [values, setValues] = useState<Values>(EMPTY);
  const [submitted, setSubmitted] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [changed, setChanged] = useState(false);
  // After a 429, the Retry-After window counts down and keeps the button disabled until it ends.
  const [lockedFor, setLockedFor] = useCountdown();

  const local = submitted ? validate(values) : {};
  const problem = error instanceof ApiError ? error : null;
  // A wrong current password is a 401 about the form, not the session: it belongs next to its field.
  const wrongCurrent = problem?.code === 'invalid_credentials';
  const set = (field: keyof Values) => (e: ChangeEvent<HTMLInputElement>) =>
    setValues((v) => ({ ...v, [field]: e.target.value }));

  async function submit(e: FormEvent) {
    e.preventDefault();
    setSubmitted(true);
    setChanged(false);
    if (Object.keys(validate(values)).length > 0) return;
    setBusy(true);
    setError(null);
    try {
      await api.changePassword(values.current, values.next);
      setValues(EMPTY);
      setSubmitted(false);
      setChanged(true);
      onChanged();
    } catch (err) {
      setError(err);
      if (err instanceof ApiError && err.status === 429) setLockedFor(err.retryAfter ?? 0);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Card
      title="Change password"
      description="Changing your password signs you out everywhere except here."
      data-testid="password-card"
    >
      <form className="form" onSubmit={submit} noValidate data-testid="password-form">
        {changed && (
          <p className="notice notice-success" role="status" data-testid="password-changed">
            Password changed. Your other sessions were signed out.
          </p>
        )}
        <ErrorBanner error={wrongCurrent ? null : error} fields={['current_password', 'new_password']} />
        {/* Lets password managers file the new password under the right account. */}
        <input type="email" name="email" autoComplete="username" value={user.email} readOnly hidden />
        <TextField
          label="Current password"
          type="password"
          name="current_password"
          autoComplete="current-password"
          value={values.current}
          onChange={set('current')}
          error={
            local.current ??
            (wrongCurrent ? 'That is not your current password.' : problem?.fieldError('current_password'))
          }
          data-testid="password-current"
        />
        <TextField
          label="New password"
          type="password"
          name="new_password"
          autoComplete="new-password"
          value={values.next}
          onChange={set('next')}
          hint={`At least ${MIN_PASSWORD} characters.`}
          error={local.next ?? problem?.fieldError('new_password')}
          data-testid="password-new"
        />
        <TextField
          label="Confirm new password"
          type="password"
          name="confirm_password"
          autoComplete="new-password"
          value={values.confirm}
          onChange={set('confirm')}
          error={local.confirm}
          data-testid="password-confirm"
        />
        <div className="form-actions">
          <Button
            type="submit"
            variant="primary"
            loading={busy}
            disabled={lockedFor > 0}
            data-testid="password-submit"
          >
            {lockedFor > 0 ? `Try again in ${formatSeconds(lockedFor)}` : 'Change password'}
          </Button>
        </div>
      </form>
    </Card>
  );
}
