import { useState } from 'react';
import { type Agent, ApiError, api } from '../api';
import {
  agentNameError,
  type DefinitionField,
  definitionBody,
  definitionErrors,
  definitionValuesOf,
  isBlankDefinition,
  type SettingsField,
  settingsBody,
  settingsErrors,
  settingsValuesOf,
} from '../lib/agents';
import { useFormSubmit } from '../lib/forms';
import { FormDialog } from '../ui/FormDialog';
import { TextField } from '../ui/TextField';
import { DefinitionFields } from './DefinitionFields';
import { SettingsFields } from './SettingsFields';

type CreateField = 'name' | SettingsField | DefinitionField;
const FIELDS: readonly CreateField[] = [
  'name',
  'display_name',
  'description',
  'allowed_scopes',
  'token_ttl_seconds',
  'instructions',
  'model',
  'tools',
];

export interface CreateAgentDialogProps {
  onClose: () => void;
  onCreated: (agent: Agent) => void;
}

export function CreateAgentDialog({ onClose, onCreated }: CreateAgentDialogProps) {
  const [name, setName] = useState('');
  const [settings, setSettings] = useState(() => settingsValuesOf(null));
  const [definition, setDefinition] = useState(() => definitionValuesOf(null));
  // A definition is optional: any of its fields filled in makes one, and then it must be complete.
  const withDefinition = !isBlankDefinition(definition);
  const form = useFormSubmit<CreateField>(() => ({
    name: agentNameError(name.trim()),
    ...settingsErrors(settings),
    ...(withDefinition ? definitionErrors(definition) : {}),
  }));
  // The name is taken: a 409 about the form, shown on its field rather than as a banner.
  const taken = form.error instanceof ApiError && form.error.code === 'name_taken' ? form.error : null;

  const create = () =>
    form.submit(async () => {
      const agent = await api.createAgent({
        name: name.trim(),
        ...settingsBody(settings),
        ...(withDefinition ? { definition: definitionBody(definition) } : {}),
      });
      onCreated(agent);
    });

  return (
    <FormDialog
      title="Create agent"
      description="Register an agent identity. Its credentials and tokens are managed separately."
      submitLabel="Create agent"
      onSubmit={create}
      onClose={onClose}
      busy={form.busy}
      error={taken ? null : form.error}
      fields={FIELDS}
      wide
      data-testid="create-agent-dialog"
      submitTestId="agent-create-submit"
    >
      <TextField
        label="Name"
        name="name"
        autoComplete="off"
        spellCheck={false}
        placeholder="support-bot"
        value={name}
        onChange={(e) => setName(e.target.value)}
        autoFocus
        required
        hint="Lowercase letters, digits and dashes, up to 63 characters. It cannot be changed later."
        error={form.fieldError('name') ?? taken?.displayMessage}
        data-testid="agent-name"
      />
      <SettingsFields
        values={settings}
        onChange={(change) => setSettings((v) => ({ ...v, ...change }))}
        fieldError={form.fieldError}
        displayNamePlaceholder={name.trim() || undefined}
      />
      <fieldset className="form-section">
        <legend className="form-section-title">Definition (optional)</legend>
        <p className="form-section-description">
          Give a model to save the first version now, or add the definition later. Every change makes a new
          version.
        </p>
        <DefinitionFields
          values={definition}
          onChange={(change) => setDefinition((v) => ({ ...v, ...change }))}
          fieldError={form.fieldError}
        />
      </fieldset>
    </FormDialog>
  );
}
