import { type FormEvent, useState } from 'react';
import { useNavigate } from 'react-router';
import { ApiError, api, type InvitationPreview } from '../api';
import { useSessionContext } from '../auth/SessionContext';
import { MIN_PASSWORD, newPasswordErrors } from '../lib/passwords';
import { Button } from '../ui/Button';
import { ErrorBanner } from '../ui/ErrorBanner';
import { TextField } from '../ui/TextField';

interface Values {
  name: string;
  password: string;
  confirm: string;
}

function validate(values: Values, newUser: boolean): Partial<Values> {
  if (!newUser) return values.password ? {} : { password: 'Enter your password.' };
  const errors: Partial<Values> = newPasswordErrors(values.password, values.confirm);
  if (!values.name.trim()) errors.name = 'Enter your name.';
  return errors;
}

/** New users set a name and password; existing users confirm with their password. */
export function AcceptInviteForm({ token, invite }: { token: string; invite: InvitationPreview }) {
  const { setSession } = useSessionContext();
  const navigate = useNavigate();
  const newUser = !invite.existing_user;
  const [values, setValues] = useState<Values>({ name: '', password: '', confirm: '' });
  const [submitted, setSubmitted] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const local = submitted ? validate(values, newUser) : {};
  const remote = (field: string) => (error instanceof ApiError ? error.fieldError(field) : undefined);
  const set = (field: keyof Values) => (e: { target: { value: string } }) =>
    setValues((v) => ({ ...v, [field]: e.target.value }));

  async function submit(e: FormEvent) {
    e.preventDefault();
    setSubmitted(true);
    if (Object.keys(validate(values, newUser)).length > 0) return;
    setBusy(true);
    setError(null);
    try {
      const name = newUser ? values.name.trim() : undefined;
      setSession(await api.acceptInvitation(token, values.password, name));
      navigate('/', { replace: true });
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  }

  return (
    <form className="form" onSubmit={submit} noValidate data-testid="accept-form">
      <ErrorBanner error={error} fields={['name', 'password']} />
      {newUser && (
        <TextField
          label="Your name"
          name="name"
          autoComplete="name"
          value={values.name}
          onChange={set('name')}
          autoFocus
          error={local.name ?? remote('name')}
          data-testid="accept-name"
        />
      )}
      <input type="email" name="email" autoComplete="username" value={invite.email} readOnly hidden />
      <TextField
        label={newUser ? 'Create a password' : 'Your password'}
        type="password"
        name="password"
        autoComplete={newUser ? 'new-password' : 'current-password'}
        value={values.password}
        onChange={set('password')}
        autoFocus={!newUser}
        hint={newUser ? `At least ${MIN_PASSWORD} characters.` : undefined}
        error={local.password ?? remote('password')}
        data-testid="accept-password"
      />
      {newUser && (
        <TextField
          label="Confirm password"
          type="password"
          name="confirm"
          autoComplete="new-password"
          value={values.confirm}
          onChange={set('confirm')}
          error={local.confirm}
          data-testid="accept-confirm"
        />
      )}
      <Button type="submit" variant="primary" block loading={busy} data-testid="accept-submit">
        {newUser ? 'Create account and join' : 'Accept invitation'}
      </Button>
    </form>
  );
}
