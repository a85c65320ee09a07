import { isScopeToken, type SettingsField, type SettingsValues, TOKEN_TTL } from '../lib/agents';
import { TextArea } from '../ui/TextArea';
import { TextField } from '../ui/TextField';
import { TokensInput } from '../ui/TokensInput';

export interface SettingsFieldsProps {
  values: SettingsValues;
  onChange: (change: Partial<SettingsValues>) => void;
  fieldError: (field: SettingsField) => string | undefined;
  /** Placeholder for the display name: what it defaults to. */
  displayNamePlaceholder?: string;
}

/** The settings an agent is created with and edited by: display name, description, scopes, token lifetime. */
export function SettingsFields({
  values,
  onChange,
  fieldError,
  displayNamePlaceholder,
}: SettingsFieldsProps) {
  return (
    <>
      <TextField
        label="Display name"
        name="display_name"
        autoComplete="off"
        placeholder={displayNamePlaceholder}
        value={values.display_name}
        onChange={(e) => onChange({ display_name: e.target.value })}
        hint="How people see the agent. Defaults to its name."
        error={fieldError('display_name')}
        data-testid="agent-display-name"
      />
      <TextArea
        label="Description"
        name="description"
        rows={2}
        value={values.description}
        onChange={(e) => onChange({ description: e.target.value })}
        error={fieldError('description')}
        data-testid="agent-description"
      />
      <TokensInput
        label="Allowed scopes"
        value={values.allowed_scopes}
        onChange={(allowed_scopes) => onChange({ allowed_scopes })}
        isValid={isScopeToken}
        placeholder="tickets:read tickets:write"
        hint="The most its tokens may carry. Separate scopes with spaces or commas."
        error={fieldError('allowed_scopes')}
        data-testid="agent-scopes"
      />
      <TextField
        label="Token lifetime (seconds)"
        name="token_ttl_seconds"
        type="number"
        inputMode="numeric"
        min={TOKEN_TTL.min}
        max={TOKEN_TTL.max}
        step={1}
        value={values.token_ttl_seconds}
        onChange={(e) => onChange({ token_ttl_seconds: e.target.value })}
        hint={`How long its access tokens live: ${TOKEN_TTL.min} to ${TOKEN_TTL.max} seconds (${TOKEN_TTL.default} is 15 minutes).`}
        error={fieldError('token_ttl_seconds')}
        data-testid="agent-ttl"
      />
    </>
  );
}
