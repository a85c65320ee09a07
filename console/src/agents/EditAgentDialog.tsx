import { useState } from 'react';
import { type Agent, api } from '../api';
import {
  formatJson,
  parseMetadata,
  type SettingsField,
  settingsBody,
  settingsErrors,
  settingsValuesOf,
} from '../lib/agents';
import { useFormSubmit } from '../lib/forms';
import { type Members, memberLabel } from '../lib/useMembers';
import { FormDialog } from '../ui/FormDialog';
import { Select } from '../ui/Select';
import { TextArea } from '../ui/TextArea';
import { SettingsFields } from './SettingsFields';

type EditField = SettingsField | 'owner' | 'metadata';
const FIELDS: readonly EditField[] = [
  'display_name',
  'description',
  'allowed_scopes',
  'token_ttl_seconds',
  'owner',
  'metadata',
];

export interface EditAgentDialogProps {
  agent: Agent;
  members: Members;
  onClose: () => void;
  onSaved: (agent: Agent) => void;
}

/** The agent's settings; its name is fixed and its definition has a dialog of its own. */
export function EditAgentDialog({ agent, members, onClose, onSaved }: EditAgentDialogProps) {
  const [settings, setSettings] = useState(() => settingsValuesOf(agent));
  const [owner, setOwner] = useState(agent.owner);
  const [metadata, setMetadata] = useState(() => formatJson(agent.metadata));
  // Checked as it is typed: the JSON is the one field that is easy to get wrong.
  const parsed = parseMetadata(metadata);
  const metadataError = 'error' in parsed ? parsed.error : undefined;
  const form = useFormSubmit<EditField>(() => ({ ...settingsErrors(settings), metadata: metadataError }));

  const ownerOptions = members.members.map((m) => ({ value: m.id, label: `${memberLabel(m)} (${m.email})` }));
  if (!members.byId(agent.owner)) {
    ownerOptions.unshift({ value: agent.owner, label: `${agent.owner} (not a member)` });
  }

  const save = () =>
    form.submit(async () => {
      if (!('value' in parsed)) return;
      const body = settingsBody(settings);
      const updated = await api.updateAgent(agent.id, {
        ...body,
        // Cleared, the display name goes back to the name (the API has no "unset").
        display_name: body.display_name ?? agent.name,
        owner,
        metadata: parsed.value,
      });
      onSaved(updated);
    });

  return (
    <FormDialog
      title={`Edit ${agent.name}`}
      description="Changes apply at once. Tokens already issued keep the scopes and lifetime they were given."
      submitLabel="Save changes"
      onSubmit={save}
      onClose={onClose}
      busy={form.busy}
      error={form.error}
      fields={FIELDS}
      wide
      data-testid="edit-agent-dialog"
      submitTestId="agent-edit-submit"
    >
      <SettingsFields
        values={settings}
        onChange={(change) => setSettings((v) => ({ ...v, ...change }))}
        fieldError={form.fieldError}
        displayNamePlaceholder={agent.name}
      />
      <Select
        label="Owner"
        name="owner"
        options={ownerOptions}
        value={owner}
        onChange={(e) => setOwner(e.target.value)}
        disabled={members.loading}
        hint="The member responsible for this agent."
        error={form.fieldError('owner')}
        data-testid="agent-owner"
      />
      <TextArea
        label="Metadata (JSON)"
        name="metadata"
        mono
        rows={6}
        spellCheck={false}
        value={metadata}
        onChange={(e) => setMetadata(e.target.value)}
        hint='A JSON object for your own labels, like {"team": "support"}. At most 16 KiB.'
        error={form.fieldError('metadata') ?? metadataError}
        data-testid="agent-metadata"
      />
    </FormDialog>
  );
}
