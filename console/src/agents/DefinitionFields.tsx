import { type DefinitionField, type DefinitionValues, isToolName } from '../lib/agents';
import { TextArea } from '../ui/TextArea';
import { TextField } from '../ui/TextField';
import { TokensInput } from '../ui/TokensInput';

export interface DefinitionFieldsProps {
  values: DefinitionValues;
  onChange: (change: Partial<DefinitionValues>) => void;
  fieldError: (field: DefinitionField) => string | undefined;
}

/** What the agent is: its instructions, the model it runs on and the tools it may call. */
export function DefinitionFields({ values, onChange, fieldError }: DefinitionFieldsProps) {
  return (
    <>
      <TextField
        label="Model"
        name="model"
        autoComplete="off"
        spellCheck={false}
        placeholder="gpt-4o"
        value={values.model}
        onChange={(e) => onChange({ model: e.target.value })}
        error={fieldError('model')}
        data-testid="agent-model"
      />
      <TextArea
        label="Instructions"
        name="instructions"
        rows={6}
        placeholder="You are a support agent for…"
        value={values.instructions}
        onChange={(e) => onChange({ instructions: e.target.value })}
        error={fieldError('instructions')}
        data-testid="agent-instructions"
      />
      <TokensInput
        label="Tools"
        value={values.tools}
        onChange={(tools) => onChange({ tools })}
        isValid={isToolName}
        placeholder="search_tickets crm.lookup"
        hint="Tool names the agent may call. Separate them with spaces or commas."
        error={fieldError('tools')}
        data-testid="agent-tools"
      />
    </>
  );
}
