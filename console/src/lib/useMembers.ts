import { useMemo } from 'react';
import { api, type Member } from '../api';
import { useLoader } from './useLoader';

const MAX_PAGES = 20;

/** Every member of the org (pages of 200), for pickers and for naming users the API gives as ids. */
async function loadAllMembers(): Promise<Member[]> {
  const members: Member[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < MAX_PAGES; page++) {
    const { items, next_cursor } = await api.listUsers(cursor, 200);
    members.push(...items);
    cursor = next_cursor;
    if (!cursor) break;
  }
  return members;
}

export const memberLabel = (m: Member) => m.name || m.email;

export interface Members {
  members: readonly Member[];
  loading: boolean;
  error: unknown;
  /** The member with this id, if they are (still) in the org. */
  byId: (id: string | null) => Member | undefined;
}

export function useMembers(): Members {
  const { data, loading, error } = useLoader(loadAllMembers);
  return useMemo(() => {
    const members = data ?? [];
    const index = new Map(members.map((m) => [m.id, m]));
    return { members, loading, error, byId: (id) => (id ? index.get(id) : undefined) };
  }, [data, loading, error]);
}
