import { readFile } from 'node:fs/promises';
import type { CommanderError } from 'commander';
import { z } from 'zod';
import { anchorsOf } from '../modules/audit/anchors.js';
import { publicKeys, signedBy } from '../modules/audit/keys.js';
import { describeReport } from '../modules/audit/reader.js';
import { pruneBefore } from '../modules/audit/retention.js';
import { checkpointPayload } from '../modules/audit/statements.js';
import { type VerifyReport, verifyChain } from '../modules/audit/verify.js';
import type { Runtime } from '../runtime.js';
import { command, fail, findOrg } from './org-context.js';

/** Input a command cannot work with: `gatehouse: <message>` and exit code 2. */
class BadInput extends Error {}
const badInput = (message: string): never => {
  throw new BadInput(message);
};

/** `command`, with bad input exiting 2 (verified 0, broken or refused 1). */
function auditCommand<A extends unknown[]>(fn: (...args: A) => Promise<void>) {
  return command(async (...args: A) => {
    try {
      await fn(...args);
    } catch (err) {
      if (!(err instanceof BadInput)) throw err;
      process.stderr.write(`gatehouse: ${err.message}\n`);
      process.exitCode = 2;
    }
  });
}

/** For commander's exitOverride: a usage error (unknown option, missing value) is bad input too. */
export const usageExit = (err: CommanderError): never => process.exit(err.exitCode === 0 ? 0 : 2);

const seqOf = (name: string, value: string | undefined) => {
  if (value === undefined) return undefined;
  if (!/^[1-9]\d{0,14}$/.test(value)) badInput(`--${name} must be a positive integer, not ${value}`);
  return Number(value);
};

/** A checkpoint as GET /v1/audit/checkpoints lists it, kept by someone outside Gatehouse. */
const savedCheckpoint = z.object({
  id: z.string(),
  org_id: z.string().nullable(),
  seq: z.number().int().min(1),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  at: z.iso.datetime(),
  kid: z.string(),
  signature: z.string(),
  payload: z.string(),
});
type SavedCheckpoint = z.infer<typeof savedCheckpoint>;

async function readCheckpoint(rt: Runtime, file: string): Promise<SavedCheckpoint> {
  const text = await readFile(file, 'utf8').catch((err: Error) =>
    badInput(`cannot read ${file}: ${err.message}`),
  );
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    badInput(`${file} is not JSON`);
  }
  const parsed = savedCheckpoint.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'checkpoint'}: ${i.message}`);
    return badInput(
      `${file} is not a checkpoint as GET /v1/audit/checkpoints lists them (${problems.join('; ')})`,
    );
  }
  const c = parsed.data;
  // The signature covers the payload; the fields beside it must say the same thing.
  if (c.payload !== checkpointPayload({ ...c, at: new Date(c.at) })) {
    badInput(`the fields of checkpoint ${c.id} do not match its signed payload`);
  }
  if (!signedBy(await publicKeys(rt.db.system), c.kid, c.payload, c.signature)) {
    fail(
      `the signature of checkpoint ${c.id} does not verify against this installation's audit keys (kid ${c.kid})`,
    );
  }
  return c;
}

interface Range {
  from: number | undefined;
  to: number | undefined;
}

/** The chain verified as GET /v1/audit/verify does, with the outside checkpoint as one more anchor. */
function verifyOne(rt: Runtime, orgId: string | null, range: Range, outside?: SavedCheckpoint) {
  return rt.db.transaction(async (trx): Promise<VerifyReport> => {
    const { anchors, forged } = await anchorsOf(trx, orgId);
    if (outside) {
      const from = range.from ?? 1;
      if (outside.seq < from || (range.to !== undefined && outside.seq > range.to)) {
        badInput(
          `checkpoint ${outside.id} at seq ${outside.seq} lies outside --from ${from} --to ${range.to}`,
        );
      }
      const prune = anchors.filter((a) => a.kind === 'prune').at(-1);
      if (prune && outside.seq < prune.seq) {
        badInput(
          `checkpoint ${outside.id} at seq ${outside.seq} lies in the pruned part of the chain (up to seq ${prune.seq})`,
        );
      }
      if (prune && outside.seq === prune.seq && outside.hash !== prune.hash) {
        fail(
          `prune record ${prune.id} and checkpoint ${outside.id} disagree on the hash at seq ${prune.seq}`,
        );
      }
      // Last, so it outweighs a checkpoint row of the same seq: the outside copy is the one trusted.
      if (!prune || outside.seq > prune.seq) {
        anchors.push({ seq: outside.seq, hash: outside.hash, id: outside.id, kind: 'checkpoint' });
      }
    }
    return verifyChain(trx, {
      orgId,
      ...(range.from !== undefined ? { from: range.from } : {}),
      ...(range.to !== undefined ? { to: range.to } : {}),
      anchors,
      forged,
    });
  });
}

/** Every chain: each org's, then the installation's own when it holds records. */
async function allChains(rt: Runtime): Promise<{ orgId: string | null; label: string }[]> {
  const orgs = await rt.db.system.selectFrom('orgs').select(['id', 'slug']).orderBy('created_at').execute();
  const installation = await rt.db.system
    .selectFrom('audit_events')
    .select('seq')
    .where('org_id', 'is', null)
    .limit(1)
    .executeTakeFirst();
  return [
    ...orgs.map((o) => ({ orgId: o.id as string | null, label: o.slug })),
    ...(installation ? [{ orgId: null, label: '(installation)' }] : []),
  ];
}

/**
 * `gatehouse audit verify`: one line per chain, as the API's message; exit 0 when every chain
 * verified, 1 when one is broken, 2 on bad input.
 */
export const runAuditVerify = auditCommand(
  async (rt: Runtime, opts: { org?: string; from?: string; to?: string; checkpoint?: string }) => {
    const range = { from: seqOf('from', opts.from), to: seqOf('to', opts.to) };
    const outside = opts.checkpoint ? await readCheckpoint(rt, opts.checkpoint) : undefined;
    const org = opts.org
      ? await findOrg(rt, opts.org).catch((err: Error) => badInput(err.message))
      : undefined;
    if (org && outside && outside.org_id !== org.id) {
      badInput(`checkpoint ${outside.id} is of ${outside.org_id ?? 'the installation'}, not of ${org.slug}`);
    }
    const single = org ? org.id : outside?.org_id;
    const chains = single !== undefined ? [{ orgId: single, label: '' }] : await allChains(rt);
    for (const chain of chains) {
      const report = await verifyOne(rt, chain.orgId, range, outside);
      const line = describeReport(report);
      process.stdout.write(`${chain.label ? `${chain.label}: ` : ''}${line}\n`);
      if (!report.ok) process.exitCode = 1;
    }
  },
);

function dateOf(value: string): Date {
  const iso = /^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value;
  if (!z.iso.datetime({ offset: true }).safeParse(iso).success) {
    badInput(`--before must be an ISO 8601 date (2025-01-01) or time with offset, not ${value}`);
  }
  return new Date(iso);
}

/** `gatehouse audit prune`: says what it would drop, and drops it with --yes. */
export const runAuditPrune = auditCommand(async (rt: Runtime, opts: { before: string; yes?: boolean }) => {
  const before = dateOf(opts.before);
  const apply = opts.yes === true;
  const plan = await pruneBefore(
    {
      db: rt.db,
      keys: rt.services.auditKeys,
      audit: rt.services.audit,
      clock: rt.clock,
      actor: { type: 'system', id: 'cli' },
    },
    before,
    apply,
  );
  if (!plan.length) {
    process.stdout.write(`no audit partition ends before ${before.toISOString()}: nothing to prune\n`);
    return;
  }
  const slugs = new Map(
    (await rt.db.system.selectFrom('orgs').select(['id', 'slug']).execute()).map((o) => [o.id, o.slug]),
  );
  for (const p of plan) {
    const held = p.segments.map(
      (s) =>
        `${s.orgId === null ? '(installation)' : (slugs.get(s.orgId) ?? s.orgId)} seq ${s.fromSeq}-${s.toSeq} (${s.count} records${s.pruneId ? `, prune record ${s.pruneId}` : ''})`,
    );
    process.stdout.write(
      `${apply ? 'dropped' : 'would drop'} ${p.name}: ${held.join('; ') || 'no records'}\n`,
    );
  }
  if (!apply) process.stdout.write('run again with --yes to prune\n');
});
