import type { AgentDefinition } from '../api';
import { ChipList } from '../ui/ChipList';

/** A definition's model, tools and instructions, read-only. */
export function DefinitionView({ definition }: { definition: AgentDefinition }) {
  return (
    <dl className="details details-top">
      <dt>Model</dt>
      <dd className="mono" data-testid="definition-model">
        {definition.model}
      </dd>
      <dt>Tools</dt>
      <dd>
        <ChipList items={definition.tools} empty="No tools" testId="definition-tools" />
      </dd>
      <dt>Instructions</dt>
      <dd>
        {definition.instructions ? (
          <pre className="text-block" data-testid="definition-instructions">
            {definition.instructions}
          </pre>
        ) : (
          <span className="muted">No instructions</span>
        )}
      </dd>
    </dl>
  );
}
