import { useState } from 'react';
import { api } from '../api';
import { expiryError, expiryIso } from '../lib/expiry';
import { useFormSubmit } from '../lib/forms';
import { ExpiryField } from '../ui/ExpiryField';
import { FormDialog } from '../ui/FormDialog';
import { Select } from '../ui/Select';
import { TextArea } from '../ui/TextArea';
import type { Catalogue, Skill } from './types';

type Field = 'capability' | 'note' | 'expires_at';
const FIELDS: readonly Field[] = ['capability', 'note', 'expires_at'];
const NOTE_MAX = 500;

export interface GrantSkillDialogProps {
  agentId: string;
  catalogue: Catalogue;
  /** Set to grant this skill again: a new grant replaces its note and expiry. */
  skill?: Skill | undefined;
  /** Capabilities the agent already holds, marked in the list. */
  held: ReadonlySet<string>;
  onClose: () => void;
  onGranted: (skill: Skill) => void;
}

/** Grants a capability to an agent as a skill, with a note saying why and an optional expiry. */
export function GrantSkillDialog({
  agentId,
  catalogue,
  skill,
  held,
  onClose,
  onGranted,
}: GrantSkillDialogProps) {
  const [capability, setCapability] = useState(skill?.capability ?? '');
  const [note, setNote] = useState(skill?.note ?? '');
  const [expires, setExpires] = useState('');
  const form = useFormSubmit<Field>(() => ({
    capability: capability ? undefined : 'Choose a capability.',
    note: note.length > NOTE_MAX ? `Use at most ${NOTE_MAX} characters.` : undefined,
    expires_at: expiryError(expires),
  }));

  const options = [
    { value: '', label: 'Choose a capability…' },
    ...catalogue.capabilities.map((c) => ({ value: c, label: held.has(c) ? `${c} (held)` : c })),
  ];
  const actions = catalogue.actions.filter((a) => a.capability === capability).map((a) => a.name);

  const grant = () =>
    form.submit(async () => {
      const expiresAt = expiryIso(expires);
      onGranted(
        await api.grantSkill(agentId, {
          capability,
          ...(note.trim() ? { note: note.trim() } : {}),
          ...(expiresAt ? { expires_at: expiresAt } : {}),
        }),
      );
    });

  return (
    <FormDialog
      title={skill ? `Grant ${skill.capability} again` : 'Grant a skill'}
      description="A skill lets the agent do the actions that need its capability, as far as the policies permit."
      submitLabel="Grant skill"
      onSubmit={grant}
      onClose={onClose}
      busy={form.busy}
      error={form.error}
      fields={FIELDS}
      data-testid="skill-dialog"
      submitTestId="skill-grant-submit"
    >
      <Select
        label="Capability"
        name="capability"
        options={options}
        value={capability}
        onChange={(e) => setCapability(e.target.value)}
        disabled={skill !== undefined}
        hint={
          actions.length
            ? `Needed by ${actions.join(', ')}.`
            : 'Granting one the agent holds replaces its note and expiry.'
        }
        error={form.fieldError('capability')}
        data-testid="skill-capability-select"
      />
      <TextArea
        label="Note (optional)"
        name="note"
        rows={2}
        value={note}
        onChange={(e) => setNote(e.target.value)}
        hint="Why the agent needs it, for whoever reads the grant later."
        error={form.fieldError('note')}
        data-testid="skill-note-input"
      />
      <ExpiryField
        value={expires}
        onChange={setExpires}
        hint="Leave empty for a skill that lasts until it is revoked."
        error={form.fieldError('expires_at')}
        data-testid="skill-expires-input"
      />
    </FormDialog>
  );
}
