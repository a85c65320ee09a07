import { Button } from '../ui/Button';
import { RelativeTime } from '../ui/RelativeTime';
import { Select } from '../ui/Select';
import { TextField } from '../ui/TextField';
import { CredentialSetBadge } from './IntegrationStatusBadge';
import { AUTH_LABELS, AUTH_TYPES, type AuthDraft, type AuthField, CREDENTIAL, isAuthType } from './labels';

export interface AuthFieldsProps {
  draft: AuthDraft;
  onChange: (draft: AuthDraft) => void;
  errorOf: (field: AuthField | 'type') => string | undefined;
  /** Set on an integration that has one: when it was set. The credential itself is never shown. */
  credentialSetAt?: string | undefined;
  /** Whether the credential input is open (always, unless a stored one is kept). */
  replacing: boolean;
  onReplace: (replacing: boolean) => void;
}

/** The auth method and its fields. The credential is a password input that starts empty, every time. */
export function AuthFields({
  draft,
  onChange,
  errorOf,
  credentialSetAt,
  replacing,
  onReplace,
}: AuthFieldsProps) {
  const set = <K extends keyof AuthDraft>(key: K, value: AuthDraft[K]) =>
    onChange({ ...draft, [key]: value });
  const credential = CREDENTIAL[draft.type];
  const input = (
    <TextField
      label={credential.label}
      type="password"
      name={credential.key}
      autoComplete="new-password"
      spellCheck={false}
      value={draft.credential}
      onChange={(e) => set('credential', e.target.value)}
      hint="Write-only: it is sealed when saved and never shown again, here or by the API."
      error={errorOf('credential')}
      data-testid="integration-credential-input"
    />
  );
  return (
    <fieldset className="form-section">
      <legend className="form-section-title">Authentication</legend>
      <Select
        label="Method"
        name="auth_type"
        options={AUTH_TYPES.map((t) => ({ value: t, label: AUTH_LABELS[t] }))}
        value={draft.type}
        onChange={(e) => isAuthType(e.target.value) && set('type', e.target.value)}
        hint={credentialSetAt ? 'A new method needs its credential.' : undefined}
        error={errorOf('type')}
        data-testid="integration-auth-type"
      />
      {draft.type === 'api_key' && (
        <>
          <Select
            label="Sent in"
            options={[
              { value: 'header', label: 'A header' },
              { value: 'query', label: 'A query parameter' },
            ]}
            value={draft.in}
            onChange={(e) => set('in', e.target.value === 'query' ? 'query' : 'header')}
            data-testid="integration-auth-in"
          />
          <TextField
            label={draft.in === 'query' ? 'Parameter name' : 'Header name'}
            value={draft.name}
            onChange={(e) => set('name', e.target.value)}
            placeholder={draft.in === 'query' ? 'api_key' : 'X-Api-Key'}
            error={errorOf('auth_name')}
            data-testid="integration-auth-name"
          />
        </>
      )}
      {draft.type === 'basic' && (
        <TextField
          label="Username"
          value={draft.username}
          onChange={(e) => set('username', e.target.value)}
          autoComplete="off"
          error={errorOf('username')}
          data-testid="integration-auth-username"
        />
      )}
      {draft.type === 'oauth2_client_credentials' && (
        <>
          <TextField
            label="Token endpoint"
            value={draft.token_url}
            onChange={(e) => set('token_url', e.target.value)}
            placeholder="https://auth.example.com/oauth/token"
            error={errorOf('token_url')}
            data-testid="integration-auth-token-url"
          />
          <TextField
            label="Client id"
            value={draft.client_id}
            onChange={(e) => set('client_id', e.target.value)}
            autoComplete="off"
            error={errorOf('client_id')}
            data-testid="integration-auth-client-id"
          />
          <TextField
            label="Scope (optional)"
            value={draft.scope}
            onChange={(e) => set('scope', e.target.value)}
            error={errorOf('scope')}
            data-testid="integration-auth-scope"
          />
          <TextField
            label="Audience (optional)"
            value={draft.audience}
            onChange={(e) => set('audience', e.target.value)}
            data-testid="integration-auth-audience"
          />
          <Select
            label="Client authentication"
            options={[
              { value: 'basic', label: 'HTTP Basic (default)' },
              { value: 'post', label: 'In the form body' },
            ]}
            value={draft.client_auth}
            onChange={(e) => set('client_auth', e.target.value === 'post' ? 'post' : 'basic')}
            data-testid="integration-auth-client-auth"
          />
        </>
      )}
      {replacing || !credentialSetAt ? (
        <>
          {input}
          {credentialSetAt && (
            <div>
              <Button
                size="sm"
                variant="ghost"
                onClick={() => {
                  onChange({ ...draft, credential: '' });
                  onReplace(false);
                }}
                data-testid="integration-credential-keep"
              >
                Keep the stored credential
              </Button>
            </div>
          )}
        </>
      ) : (
        <div className="field">
          <span className="field-label">{credential.label}</span>
          <div className="person-line">
            <CredentialSetBadge at={credentialSetAt} />
            <span className="muted">
              updated <RelativeTime iso={credentialSetAt} />
            </span>
            <Button size="sm" onClick={() => onReplace(true)} data-testid="integration-credential-replace">
              Replace
            </Button>
          </div>
          <p className="field-hint">Kept as it is unless you replace it. It is never shown.</p>
        </div>
      )}
    </fieldset>
  );
}
