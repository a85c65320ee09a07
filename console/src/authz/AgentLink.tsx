import { Link } from 'react-router';

/** An agent by name, linked to its skills page (where its capabilities are granted). */
export function AgentSkillsLink({ id, name, testId }: { id: string; name: string; testId?: string }) {
  return (
    <Link to={`/agents/${id}/skills`} className="mono agent-link" data-testid={testId}>
      {name}
    </Link>
  );
}
