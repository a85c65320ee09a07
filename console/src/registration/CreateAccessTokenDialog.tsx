import { useState } from 'react';
import { api } from '../api';
import { expiryError, expiryIso } from '../lib/expiry';
import { useFormSubmit } from '../lib/forms';
import { ExpiryField } from '../ui/ExpiryField';
import { FormDialog } from '../ui/FormDialog';
import { Modal } from '../ui/Modal';
import { TextField } from '../ui/TextField';
import { IssuedAccessToken } from './IssuedAccessToken';
import type { CreateAccessTokenInput, CreatedAccessToken } from './types';

type Field = 'expires_at' | 'max_uses';
const FIELDS: readonly Field[] = ['expires_at', 'max_uses'];
/** The server's bounds (server/src/modules/registration/schema.ts). */
const MAX_USES = 1_000_000;
const MAX_DAYS = 365;

function maxUsesError(value: string): string | undefined {
  if (!value.trim()) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > MAX_USES) return `Enter a whole number from 1 to ${MAX_USES}.`;
  return undefined;
}

function expiresError(value: string): string | undefined {
  const error = expiryError(value);
  if (error) return error;
  const iso = expiryIso(value);
  if (iso && new Date(iso).getTime() > Date.now() + MAX_DAYS * 86_400_000) {
    return `Pick a time within ${MAX_DAYS} days.`;
  }
  return undefined;
}

export interface CreateAccessTokenDialogProps {
  onClose: () => void;
  /** After the token exists, while it is still on screen. */
  onCreated: () => void;
}

/** Issues an initial access token, then shows it once in the same dialog. */
export function CreateAccessTokenDialog({ onClose, onCreated }: CreateAccessTokenDialogProps) {
  const [expires, setExpires] = useState('');
  const [maxUses, setMaxUses] = useState('');
  const [issued, setIssued] = useState<CreatedAccessToken | null>(null);
  const form = useFormSubmit<Field>(() => ({
    expires_at: expiresError(expires),
    max_uses: maxUsesError(maxUses),
  }));

  const create = () =>
    form.submit(async () => {
      const input: CreateAccessTokenInput = {};
      const expires_at = expiryIso(expires);
      if (expires_at) input.expires_at = expires_at;
      if (maxUses.trim()) input.max_uses = Number(maxUses);
      setIssued(await api.createRegistrationToken(input));
      onCreated();
    });

  if (issued) {
    return (
      // While the token is on screen, only the button closes the dialog: a stray click must not lose it.
      <Modal title="Initial access token created" onClose={onClose} busy data-testid="iat-dialog">
        <IssuedAccessToken issued={issued} onDone={onClose} />
      </Modal>
    );
  }

  return (
    <FormDialog
      title="New initial access token"
      description="Lets a client register itself at POST /oauth/register. The token is shown once."
      submitLabel="Create token"
      onSubmit={create}
      onClose={onClose}
      busy={form.busy}
      error={form.error}
      fields={FIELDS}
      data-testid="iat-dialog"
      submitTestId="iat-create-submit"
    >
      <ExpiryField
        value={expires}
        onChange={setExpires}
        hint="Leave empty for 7 days; at most a year."
        error={form.fieldError('expires_at')}
        data-testid="iat-expires"
      />
      <TextField
        label="Max uses (optional)"
        name="max_uses"
        type="number"
        inputMode="numeric"
        min={1}
        max={MAX_USES}
        step={1}
        value={maxUses}
        onChange={(e) => setMaxUses(e.target.value)}
        hint="How many clients may register with it. Leave empty for no limit."
        error={form.fieldError('max_uses')}
        data-testid="iat-max-uses"
      />
    </FormDialog>
  );
}
