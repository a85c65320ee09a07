import type { AgentIndex } from '../delegations/useAgentIndex';

/** An agent's name for a legend or a picker; its id when it is archived or gone. */
export const agentLabel = (agents: AgentIndex, id: string) => agents.byId(id)?.name ?? id;
