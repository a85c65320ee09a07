import { type FormEvent, useEffect, useState } from 'react';
import { Navigate, useNavigate, useSearchParams } from 'react-router';
import { ApiError, api } from '../api';
import { useSessionContext } from '../auth/SessionContext';
import { AuthLayout } from '../layout/AuthLayout';
import { safeNext } from '../lib/safeNext';
import { usePageTitle } from '../lib/usePageTitle';
import { Button } from '../ui/Button';
import { ErrorBanner } from '../ui/ErrorBanner';
import { Spinner } from '../ui/Spinner';
import { TextField } from '../ui/TextField';

/** 42 → "42s", 894 → "14m 54s" */
function formatSeconds(total: number): string {
  const m = Math.floor(total / 60);
  const s = total % 60;
  return m > 0 ? `${m}m ${String(s).padStart(2, '0')}s` : `${s}s`;
}

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
  const [lockedFor, setLockedFor] = useState(0);

  // After a 429, count the Retry-After window down and keep the button disabled until it ends.
  useEffect(() => {
    if (lockedFor <= 0) return;
    const t = setTimeout(() => setLockedFor((s) => s - 1), 1000);
    return () => clearTimeout(t);
  }, [lockedFor]);

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
