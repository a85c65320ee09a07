import { type FormEvent, useCallback, useState } from 'react';
import { api } from '../api';
import { isScopeToken } from '../lib/agents';
import { useFormSubmit } from '../lib/forms';
import { useLoader } from '../lib/useLoader';
import { Button } from '../ui/Button';
import { Card } from '../ui/Card';
import { ErrorBanner } from '../ui/ErrorBanner';
import { Select } from '../ui/Select';
import { Spinner } from '../ui/Spinner';
import { TokensInput } from '../ui/TokensInput';
import type { RegistrationSettings } from './types';

type Field = 'enabled' | 'default_scopes';
const FIELDS: readonly Field[] = ['enabled', 'default_scopes'];
const ENABLED_OPTIONS = [
  { value: 'off', label: 'Off: POST /oauth/register refuses every client' },
  { value: 'on', label: 'On: a client with an initial access token may register' },
];

function scopesError(scopes: readonly string[]): string | undefined {
  const bad = scopes.find((s) => !isScopeToken(s) || s.length > 128);
  if (bad !== undefined) return `“${bad}” is not a valid scope.`;
  if (scopes.length > 100) return 'Use at most 100 scopes.';
  return undefined;
}

/** Whether clients may register themselves, and the scopes they get. */
export function SettingsCard() {
  const settings = useLoader(useCallback(() => api.getRegistrationSettings(), []));
  return (
    <Card
      title="Settings"
      description="Dynamic client registration (RFC 7591) turns a client that registers itself into an agent with a credential."
      data-testid="registration-settings-card"
    >
      <ErrorBanner error={settings.data ? null : settings.error} onRetry={settings.reload} />
      {settings.data ? (
        <SettingsForm initial={settings.data} onSaved={settings.set} />
      ) : (
        settings.loading && (
          <div className="center-block">
            <Spinner label="Loading registration settings" />
          </div>
        )
      )}
    </Card>
  );
}

function SettingsForm({
  initial,
  onSaved,
}: {
  initial: RegistrationSettings;
  onSaved: (saved: RegistrationSettings) => void;
}) {
  const [enabled, setEnabled] = useState(initial.enabled);
  const [scopes, setScopes] = useState<string[]>(initial.default_scopes);
  const [saved, setSaved] = useState(false);
  const form = useFormSubmit<Field>(() => ({ default_scopes: scopesError(scopes) }));
  const dirty =
    enabled !== initial.enabled ||
    scopes.length !== initial.default_scopes.length ||
    scopes.some((s, i) => s !== initial.default_scopes[i]);

  function save(e: FormEvent) {
    e.preventDefault();
    setSaved(false);
    form.submit(async () => {
      onSaved(await api.updateRegistrationSettings({ enabled, default_scopes: scopes }));
      setSaved(true);
    });
  }

  return (
    <form className="form" onSubmit={save} noValidate data-testid="registration-settings-form">
      {saved && !dirty && (
        <p className="notice notice-success" role="status" data-testid="registration-saved">
          Saved. {initial.enabled ? 'Clients may register now.' : 'Registration is off.'}
        </p>
      )}
      <ErrorBanner error={form.error} fields={FIELDS} />
      <Select
        label="Dynamic client registration"
        name="enabled"
        options={ENABLED_OPTIONS}
        value={enabled ? 'on' : 'off'}
        onChange={(e) => setEnabled(e.target.value === 'on')}
        hint="Turning it off refuses new registrations; clients registered before keep working."
        error={form.fieldError('enabled')}
        data-testid="registration-enabled"
      />
      <TokensInput
        label="Default scopes"
        value={scopes}
        onChange={setScopes}
        isValid={isScopeToken}
        placeholder="mcp:read mcp:tools"
        hint="The most a registered client may get: it asks for some of these, or gets all of them."
        error={form.fieldError('default_scopes')}
        data-testid="registration-scopes"
      />
      <div className="form-actions">
        <Button
          type="submit"
          variant="primary"
          loading={form.busy}
          disabled={!dirty}
          data-testid="registration-save"
        >
          Save
        </Button>
      </div>
    </form>
  );
}
