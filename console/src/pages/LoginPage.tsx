import { type FormEvent, useState } from 'react';
import { Navigate, useNavigate, useSearchParams } from 'react-router';
import { ApiError, api } from '../api';
import { useSessionContext } from '../auth/SessionContext';
import { AuthLayout } from '../layout/AuthLayout';
import { formatSeconds } from '../lib/format';
import { safeNext } from '../lib/safeNext';
import { useCountdown } from '../lib/useCountdown';
import { usePageTitle } from '../lib/usePageTitle';
import { Button } from '../ui/Button';
import { ErrorBanner } from '../ui/ErrorBanner';
import { Spinner } from '../ui/Spinner';
import { TextField } from '../ui/TextField';

export function LoginPage() {
  usePageTitle('Sign in');
  const { status, setSession } = useSessionContext();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const next = safeNext(params.get('next'));
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  // After a 429, the Retry-After window counts down and keeps the button disabled until it ends.
  const [lockedFor, setLockedFor] = useCountdown();

  if (status === 'loading') {
    return (
      <div className="fullpage-center">
        <Spinner size="lg" />
      </div>
    );
  }
  if (status === 'authenticated' && !busy) return <Navigate to={next} replace />;

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      setSession(await api.login(email.trim(), password));
      navigate(next, { replace: true });
    } catch (err) {
      setError(err);
      if (err instanceof ApiError && err.status === 429) setLockedFor(err.retryAfter ?? 0);
      setBusy(false);
    }
  }

  const fieldError = (name: string) => (error instanceof ApiError ? error.fieldError(name) : undefined);
  return (
    <AuthLayout title="Sign in" subtitle="Use the email and password for your Gatehouse account.">
      <form className="form" onSubmit={submit} data-testid="login-form" noValidate>
        <ErrorBanner error={error} fields={['email', 'password']} />
        <TextField
          label="Email"
          type="email"
          name="email"
          autoComplete="username"
          value={email}
          onChange={(e) => setEmail(e.target.value)}
          required
          autoFocus
          error={fieldError('email')}
          data-testid="login-email"
        />
        <TextField
          label="Password"
          type="password"
          name="password"
          autoComplete="current-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          required
          error={fieldError('password')}
          data-testid="login-password"
        />
        <Button
          type="submit"
          variant="primary"
          block
          loading={busy}
          disabled={!email.trim() || !password || lockedFor > 0}
          data-testid="login-submit"
        >
          {lockedFor > 0 ? `Try again in ${formatSeconds(lockedFor)}` : 'Sign in'}
        </Button>
      </form>
      <p className="auth-note">Need access? Ask an admin of your organization for an invitation link.</p>
    </AuthLayout>
  );
}
