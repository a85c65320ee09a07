import { useMemo } from 'react';
import { type Agent, api } from '../api';
import { useLoader } from '../lib/useLoader';

const MAX_PAGES = 20;

/** Every agent that is not archived (pages of 200): for pickers, and for naming agents the API gives as ids. */
async function loadAllAgents(): Promise<Agent[]> {
  const agents: Agent[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < MAX_PAGES; page++) {
    const { items, next_cursor } = await api.listAgents({}, cursor, 200);
    agents.push(...items);
    cursor = next_cursor;
    if (!cursor) break;
  }
  return agents;
}

export interface AgentIndex {
  agents: readonly Agent[];
  loading: boolean;
  error: unknown;
  /** The agent with this id, unless it is archived or gone. */
  byId: (id: string) => Agent | undefined;
}

export function useAgentIndex(): AgentIndex {
  const { data, loading, error } = useLoader(loadAllAgents);
  return useMemo(() => {
    const agents = data ?? [];
    const index = new Map(agents.map((a) => [a.id, a]));
    return { agents, loading, error, byId: (id) => index.get(id) };
  }, [data, loading, error]);
}
