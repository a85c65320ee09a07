import { useState } from 'react';
import { type Agent, api } from '../api';
import {
  type DefinitionField,
  definitionBody,
  definitionErrors,
  definitionValuesOf,
  sameDefinition,
} from '../lib/agents';
import { useFormSubmit } from '../lib/forms';
import { FormDialog } from '../ui/FormDialog';
import { DefinitionFields } from './DefinitionFields';

const FIELDS: readonly DefinitionField[] = ['instructions', 'model', 'tools'];

export interface EditDefinitionDialogProps {
  agent: Agent;
  onClose: () => void;
  onSaved: (agent: Agent) => void;
}

/** Saves a changed definition as the agent's next version; the versions before it stay as they were. */
export function EditDefinitionDialog({ agent, onClose, onSaved }: EditDefinitionDialogProps) {
  const [values, setValues] = useState(() => definitionValuesOf(agent.definition));
  const form = useFormSubmit<DefinitionField>(() => definitionErrors(values));
  const current = agent.definition;
  const next = (current?.version ?? 0) + 1;
  const unchanged = current !== null && sameDefinition(definitionBody(values), current);

  const save = () =>
    form.submit(async () => {
      onSaved(await api.updateAgent(agent.id, { definition: definitionBody(values) }));
    });

  return (
    <FormDialog
      title={current ? 'Edit definition' : 'Add definition'}
      description={
        current
          ? `Saving makes version ${next} the current one. Version ${current.version} and the ones before it stay as they are.`
          : 'Saving makes version 1.'
      }
      submitLabel={`Save version ${next}`}
      onSubmit={save}
      onClose={onClose}
      busy={form.busy}
      error={form.error}
      fields={FIELDS}
      submitDisabled={unchanged}
      wide
      data-testid="definition-dialog"
      submitTestId="definition-submit"
    >
      <DefinitionFields
        values={values}
        onChange={(change) => setValues((v) => ({ ...v, ...change }))}
        fieldError={form.fieldError}
      />
    </FormDialog>
  );
}
