import canonicalize from 'canonicalize';

/** What a checkpoint signs: a chain head at a time. */
export interface CheckpointStatement {
  org_id: string | null;
  seq: number;
  hash: string;
  at: string;
}

/** What a prune record signs: the records retention removed from a chain, and the hash they ended on. */
export interface PruneStatement {
  org_id: string | null;
  partition_name: string;
  from_seq: number;
  to_seq: number;
  count: number;
  last_hash: string;
  at: string;
}

function canonical(value: object): string {
  const text = canonicalize(value);
  if (text === undefined) throw new Error('audit statement cannot be canonicalized');
  return text;
}

/** The exact string a checkpoint's signature covers: RFC 8785 canonical JSON of its statement. */
export const checkpointPayload = (c: {
  org_id: string | null;
  seq: number | string;
  hash: string;
  at: Date;
}) =>
  canonical({
    org_id: c.org_id,
    seq: Number(c.seq),
    hash: c.hash,
    at: c.at.toISOString(),
  } satisfies CheckpointStatement);

/** The exact string a prune record's signature covers. */
export const prunePayload = (p: {
  org_id: string | null;
  partition_name: string;
  from_seq: number | string;
  to_seq: number | string;
  count: number | string;
  last_hash: string;
  at: Date;
}) =>
  canonical({
    org_id: p.org_id,
    partition_name: p.partition_name,
    from_seq: Number(p.from_seq),
    to_seq: Number(p.to_seq),
    count: Number(p.count),
    last_hash: p.last_hash,
    at: p.at.toISOString(),
  } satisfies PruneStatement);
