import { useState } from 'react';
import { ApiError, api } from '../api';
import { useFormSubmit } from '../lib/forms';
import { FormDialog } from '../ui/FormDialog';
import { TextArea } from '../ui/TextArea';
import { TextField } from '../ui/TextField';
import { AuthFields } from './AuthFields';
import { type AuthField, authBody, authDraftOf, authErrors, errorAt, NAME, urlError } from './labels';
import type { Integration, IntegrationInput } from './types';

type Field = 'integration_name' | 'display_name' | 'description' | 'base_url' | 'rate_limit_rpm' | AuthField;
const FIELDS: readonly string[] = [
  'name',
  'display_name',
  'description',
  'base_url',
  'rate_limit_rpm',
  'in',
  'username',
  'token_url',
  'client_id',
  'scope',
  'audience',
  'value',
  'token',
  'password',
  'client_secret',
];
/** Where the API puts each field's errors. */
const API_PATHS: Record<Field, string[]> = {
  integration_name: ['name'],
  display_name: ['display_name'],
  description: ['description'],
  base_url: ['base_url'],
  rate_limit_rpm: ['rate_limit_rpm'],
  auth_name: ['auth.name'],
  username: ['auth.username'],
  token_url: ['auth.token_url'],
  client_id: ['auth.client_id'],
  scope: ['auth.scope'],
  credential: ['auth', 'auth.value', 'auth.token', 'auth.password', 'auth.client_secret'],
};

export interface IntegrationDialogProps {
  /** null to create one. */
  integration: Integration | null;
  /** Opens with the credential input (the detail page's "Replace credential"). */
  replaceCredential?: boolean;
  onClose: () => void;
  onSaved: (integration: Integration) => void;
}

/** Creates or changes an integration: where it points, how the gateway authenticates, its rate limit. */
export function IntegrationDialog({
  integration,
  replaceCredential,
  onClose,
  onSaved,
}: IntegrationDialogProps) {
  const editing = integration !== null;
  const [name, setName] = useState(integration?.name ?? '');
  const [displayName, setDisplayName] = useState(integration?.display_name ?? '');
  const [description, setDescription] = useState(integration?.description ?? '');
  const [baseUrl, setBaseUrl] = useState(integration?.base_url ?? '');
  const [rateLimit, setRateLimit] = useState(
    integration?.rate_limit_rpm ? String(integration.rate_limit_rpm) : '',
  );
  const [auth, setAuth] = useState(() => authDraftOf(integration));
  const [replacing, setReplacing] = useState(!editing || replaceCredential === true);
  const typeChanged = editing && auth.type !== integration.auth.type;
  const needCredential = !editing || typeChanged || replacing;
  const form = useFormSubmit<Field>(() => {
    const limit = Number(rateLimit);
    return {
      integration_name: NAME.test(name)
        ? undefined
        : 'Use lowercase letters, digits and dashes (a DNS label).',
      display_name: displayName.trim().length > 200 ? 'Use at most 200 characters.' : undefined,
      description: description.length > 2000 ? 'Use at most 2000 characters.' : undefined,
      base_url: urlError(baseUrl, 'the base URL'),
      rate_limit_rpm:
        !rateLimit.trim() || (/^\d+$/.test(rateLimit.trim()) && limit >= 1 && limit <= 1_000_000)
          ? undefined
          : 'Enter whole requests per minute, from 1 to 1,000,000, or leave it empty.',
      ...authErrors(auth, needCredential),
    };
  });
  // Local checks first, then the API's errors by their full path (the integration's `name` and the api_key's
  // `auth.name` end alike), and a taken name on its input.
  const errorOf = (field: Field | 'type'): string | undefined => {
    if (field === 'type') return errorAt(form.error, 'auth.type');
    // The API never names a field integration_name, auth_name or credential: for those this is the local check.
    const local = form.fieldError(field);
    if (local) return local;
    if (
      field === 'integration_name' &&
      form.error instanceof ApiError &&
      form.error.code === 'integration_exists'
    )
      return 'Another integration has this name.';
    for (const path of API_PATHS[field]) {
      const message = errorAt(form.error, path);
      if (message) return message;
    }
    return undefined;
  };

  const save = () =>
    form.submit(async () => {
      const body: IntegrationInput = {
        name,
        display_name: displayName.trim() || name,
        description,
        base_url: baseUrl.trim(),
        auth: authBody(needCredential ? auth : { ...auth, credential: '' }),
        rate_limit_rpm: rateLimit.trim() ? Number(rateLimit) : null,
      };
      onSaved(
        editing ? await api.updateIntegration(integration.id, body) : await api.createIntegration(body),
      );
    });

  return (
    <FormDialog
      title={editing ? `Edit ${integration.name}` : 'New integration'}
      description="A third-party API that agents call through the gateway, which adds the credential: agents never hold it."
      submitLabel={editing ? 'Save changes' : 'Create integration'}
      onSubmit={save}
      onClose={onClose}
      busy={form.busy}
      error={form.error instanceof ApiError && form.error.code === 'integration_exists' ? null : form.error}
      fields={FIELDS}
      wide
      data-testid="integration-dialog"
      submitTestId="integration-save"
    >
      <TextField
        label="Name"
        value={name}
        onChange={(e) => setName(e.target.value)}
        placeholder="billing"
        hint="Agents call it at /v1/gateway/{name}/…"
        error={errorOf('integration_name')}
        autoComplete="off"
        data-testid="integration-name-input"
      />
      <TextField
        label="Display name (optional)"
        value={displayName}
        onChange={(e) => setDisplayName(e.target.value)}
        placeholder="Billing API"
        error={errorOf('display_name')}
        data-testid="integration-display-name-input"
      />
      <TextArea
        label="Description (optional)"
        rows={2}
        value={description}
        onChange={(e) => setDescription(e.target.value)}
        error={errorOf('description')}
        data-testid="integration-description-input"
      />
      <TextField
        label="Base URL"
        value={baseUrl}
        onChange={(e) => setBaseUrl(e.target.value)}
        placeholder="https://api.example.com/v1"
        hint="https, or http to a host on the egress allowlist. The gateway appends the agent's path."
        error={errorOf('base_url')}
        data-testid="integration-url-input"
      />
      <TextField
        label="Rate limit (optional)"
        type="number"
        min={1}
        value={rateLimit}
        onChange={(e) => setRateLimit(e.target.value)}
        hint="Requests per minute for all agents together; empty for none."
        error={errorOf('rate_limit_rpm')}
        data-testid="integration-rate-input"
      />
      <AuthFields
        draft={auth}
        onChange={setAuth}
        errorOf={errorOf}
        credentialSetAt={editing && !typeChanged ? integration.auth.credential_updated_at : undefined}
        replacing={needCredential}
        onReplace={setReplacing}
      />
    </FormDialog>
  );
}
