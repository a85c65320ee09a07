import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { createDatabase, type Db } from '../src/platform/db/database.js';
import { newId } from '../src/platform/ids.js';
import { appendRecords, tamper } from './audit-tamper.js';
import { cli } from './cli-fixture.js';

const ADMIN = { email: 'cli-audit@example.com', password: 'cli audit password 1' };
const { env, run, startNode } = cli('cli-audit', () => ({
  GATEHOUSE_ADMIN_EMAIL: ADMIN.email,
  GATEHOUSE_ADMIN_PASSWORD: ADMIN.password,
}));

let dir: string;
let saved: string;
let checkpoint: { id: string; seq: number; signature: string };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gatehouse-cli-audit-'));
  // A checkpoint taken over the API and kept outside, then more records after it.
  const node = await startNode();
  const call = (method: string, path: string, token?: string, body?: unknown) =>
    fetch(`${node.url}${path}`, {
      method,
      headers: {
        ...(body ? { 'content-type': 'application/json' } : {}),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
  const { token } = (await (await call('POST', '/v1/auth/login', undefined, ADMIN)).json()) as {
    token: string;
  };
  for (const name of ['before-1', 'before-2', 'before-3']) {
    expect((await call('POST', '/v1/agents', token, { name })).status).toBe(201);
  }
  const made = await call('POST', '/v1/audit/checkpoints', token);
  expect(made.status).toBe(201);
  checkpoint = (await made.json()) as typeof checkpoint;
  saved = join(dir, 'saved.json');
  await writeFile(saved, JSON.stringify(checkpoint));
  expect((await call('POST', '/v1/agents', token, { name: 'after-checkpoint' })).status).toBe(201);
  expect(await node.stop()).toBe(0);
}, 120_000);
afterAll(() => rm(dir, { recursive: true, force: true }));

/** The database, while no node or command holds it. */
async function withDb<T>(fn: (db: Db) => Promise<T>): Promise<T> {
  const db = createDatabase(loadConfig(env()), pino({ level: 'silent' }));
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

const now = new Date();
const month = (offset: number) => new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + offset, 1));

// Each command is a fresh Node process opening the database: a few seconds each.
describe('gatehouse audit', { timeout: 240_000 }, () => {
  it('verify: every chain, one org, and against a checkpoint kept outside; bad input exits 2', async () => {
    const all = await run(['audit', 'verify']);
    expect(all.code, all.stderr).toBe(0);
    expect(all.stdout).toMatch(
      new RegExp(
        `^default: verified \\d+ events up to seq \\d+, matching checkpoint ${checkpoint.id} at seq ${checkpoint.seq}$`,
        'm',
      ),
    );
    const outside = await run(['audit', 'verify', '--org', 'default', '--checkpoint', saved]);
    expect(outside.code, outside.stderr).toBe(0);
    expect(outside.stdout).toMatch(
      /^verified \d+ events up to seq \d+, matching checkpoint ckp_\w+ at seq \d+\n$/,
    );

    for (const args of [
      ['--org', 'default', '--from', 'one'],
      ['--checkpoint', join(dir, 'missing.json')],
      ['--bogus'],
    ]) {
      const bad = await run(['audit', 'verify', ...args]);
      expect(bad.code, `${args.join(' ')}: ${bad.stderr}`).toBe(2);
    }
    const forged = join(dir, 'forged.json');
    await writeFile(
      forged,
      JSON.stringify({ ...checkpoint, signature: Buffer.alloc(64).toString('base64url') }),
    );
    const refused = await run(['audit', 'verify', '--checkpoint', forged]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/signature of checkpoint ckp_\w+ does not verify/);
  });

  it("verify --checkpoint: a truncated tail is caught by the outside copy after the database's checkpoints went", async () => {
    const cut = checkpoint.seq - 2;
    await withDb((db) =>
      tamper(db, async (trx) => {
        await sql`delete from audit_events where seq >= ${cut} and org_id = (select id from orgs where slug = 'default')`.execute(
          trx,
        );
        await sql`delete from audit_checkpoints`.execute(trx);
      }),
    );
    const inside = await run(['audit', 'verify', '--org', 'default']);
    expect(inside.code, inside.stderr).toBe(0);
    expect(inside.stdout).toBe(`verified ${cut - 1} events up to seq ${cut - 1}\n`);

    const outside = await run(['audit', 'verify', '--org', 'default', '--checkpoint', saved]);
    expect(outside.code).toBe(1);
    expect(outside.stdout).toBe(
      `chain broken at seq ${cut}: truncated (the chain ends before checkpoint ${checkpoint.id} at seq ${checkpoint.seq})\n`,
    );
  });

  it('prune: says what it would drop, refuses the current month, drops with --yes', async () => {
    const orgId = newId('org');
    const old = month(-3);
    const partition = `audit_events_${old.getUTCFullYear()}_${String(old.getUTCMonth() + 1).padStart(2, '0')}`;
    await withDb(async (db) => {
      await db.system.insertInto('orgs').values({ id: orgId, name: 'Old', slug: 'old' }).execute();
      await sql`select audit_ensure_partitions(${old}, 2)`.execute(db.system);
      await appendRecords(db, orgId, 3, new Date(old.getTime() + 86_400_000));
    });
    const before = month(-2).toISOString().slice(0, 10);

    const refused = await run(['audit', 'prune', '--before', month(1).toISOString().slice(0, 10), '--yes']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/records of the current month are never pruned/);
    expect((await run(['audit', 'prune', '--before', 'last spring'])).code).toBe(2);

    const dry = await run(['audit', 'prune', '--before', before]);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain(`would drop ${partition}: old seq 1-3 (3 records)\n`);
    expect(dry.stdout).toContain('run again with --yes to prune\n');

    const done = await run(['audit', 'prune', '--before', before, '--yes']);
    expect(done.code, done.stderr).toBe(0);
    expect(done.stdout).toMatch(
      new RegExp(`dropped ${partition}: old seq 1-3 \\(3 records, prune record prn_\\w+\\)`),
    );

    const verified = await run(['audit', 'verify', '--org', 'old']);
    expect(verified.code, verified.stderr).toBe(0);
    expect(verified.stdout).toBe('verified 1 events up to seq 4\n');
  });
});
