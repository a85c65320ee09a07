import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runVaultRewrap } from '../src/cli/vault.js';
import { loadConfig } from '../src/config.js';
import { createKeyring, keyIdOf } from '../src/modules/vault/envelope.js';
import { deriveKey } from '../src/platform/crypto.js';
import { type RunningServer, startServer } from '../src/server.js';
import { client } from './client.js';
import { ADMIN, freePort, freshDatabase } from './harness.js';

/**
 * Master key rotation: credentials sealed under one master key keep opening after a restart with
 * a new key and the old one as previous, `rewrap` moves every data key over (only the wrapped key
 * changes), and then the old key can go. A row altered in the database does not open.
 */
const keyA = randomBytes(32);
const keyB = randomBytes(32);
const idOf = (k: Buffer) => keyIdOf(deriveKey(k, 'vault/v1'));

let db: Awaited<ReturnType<typeof freshDatabase>>;
let node: RunningServer;
let baseEnv: Record<string, string>;

/** Starts a node on the file's database (carrying the embedded one over) with these keys. */
async function boot(current: Buffer, previous: Buffer[] = []) {
  const dump = node ? await node.runtime.db.storage?.dump() : db.pgliteDump;
  if (node) await node.close();
  const config = loadConfig({
    ...baseEnv,
    GATEHOUSE_MASTER_KEY: current.toString('base64url'),
    ...(previous.length
      ? { GATEHOUSE_MASTER_KEY_PREVIOUS: previous.map((k) => k.toString('hex')).join(', ') }
      : {}),
  });
  node = await startServer(config, pino({ level: 'silent' }), {
    ...(dump ? { pgliteDump: dump } : {}),
    print: () => {},
  });
  await node.started;
}

const vault = () => node.runtime.services.vault;
const secretsTable = () =>
  node.runtime.db.system.selectFrom('integration_secrets').selectAll().orderBy('integration_id').execute();

let orgId: string;
const made: { id: string; expected: Record<string, string> }[] = [];

/** Every credential opens and injects what it was created with. */
async function everyCredentialOpens() {
  for (const m of made)
    expect((await vault().resolveCredential(orgId, m.id)).inject.headers).toEqual(m.expected);
}

async function addIntegrations(label: string) {
  const api = client(node);
  const token = await api.login(ADMIN.email, ADMIN.password);
  orgId = (await api.get('/v1/auth/session', token)).body.org.id;
  for (const [k, auth, expected] of [
    [
      'k',
      { type: 'api_key', in: 'header', name: 'X-Key', value: `${label}-key` },
      { 'x-key': `${label}-key` },
    ],
    ['b', { type: 'bearer', token: `${label}-bearer` }, { authorization: `Bearer ${label}-bearer` }],
    [
      'p',
      { type: 'basic', username: 'u', password: `${label}-pw` },
      { authorization: `Basic ${Buffer.from(`u:${label}-pw`).toString('base64')}` },
    ],
  ] as const) {
    const r = await api.post(
      '/v1/integrations',
      { name: `${label}-${k}`, base_url: 'https://api.example.com', auth },
      token,
    );
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    made.push({ id: r.body.id, expected: { ...expected } });
  }
}

beforeAll(async () => {
  db = await freshDatabase();
  const port = await freePort();
  baseEnv = {
    PORT: String(port),
    HOST: '127.0.0.1',
    GATEHOUSE_ISSUER: `http://127.0.0.1:${port}`,
    GATEHOUSE_DATA_DIR: 'memory',
    LOG_LEVEL: 'silent',
    GATEHOUSE_ADMIN_EMAIL: ADMIN.email,
    GATEHOUSE_ADMIN_PASSWORD: ADMIN.password,
    ...(process.env.REDIS_URL
      ? {
          REDIS_URL: process.env.REDIS_URL,
          GATEHOUSE_REDIS_PREFIX: `gh:test:${randomBytes(4).toString('hex')}:`,
        }
      : {}),
    ...db.env,
  };
  await boot(keyA);
  await addIntegrations('a');
});
afterAll(async () => {
  await node?.close();
  await db?.drop();
});

describe('master key rotation', () => {
  it('needs the old key: with only a new one, sealed credentials do not open', async () => {
    await boot(keyB);
    await expect(vault().resolveCredential(orgId, made[0]?.id as string)).rejects.toMatchObject({
      status: 500,
      code: 'credential_unreadable',
    });
    expect((await vault().vaultKeyUsage()).byKey).toEqual([
      { keyId: idOf(keyA), count: 3, state: 'unknown' },
    ]);
  });

  it('reads rows of either key while both are configured, and seals new ones under the new key', async () => {
    await boot(keyB, [keyA]);
    await everyCredentialOpens();
    await addIntegrations('b');
    await everyCredentialOpens();
    const usage = await vault().vaultKeyUsage();
    expect(usage.keyId).toBe(idOf(keyB));
    expect(usage.byKey).toEqual(
      [
        { keyId: idOf(keyA), count: 3, state: 'previous' },
        { keyId: idOf(keyB), count: 3, state: 'current' },
      ].sort((x, y) => x.keyId.localeCompare(y.keyId)),
    );
  });

  it('rewraps in batches, leaves ciphertexts alone, audits per org, and a second run does nothing', async () => {
    const before = await secretsTable();
    const result = await vault().rewrap({ batchSize: 2 });
    expect(result).toEqual({
      keyId: idOf(keyB),
      rewrapped: 3,
      failed: [],
      byKey: [{ keyId: idOf(keyB), count: 6, state: 'current' }],
    });
    const after = await secretsTable();
    expect(after.map((r) => r.ciphertext)).toEqual(before.map((r) => r.ciphertext));
    for (const [k, row] of after.entries()) {
      const was = before[k];
      expect(row.key_id).toBe(idOf(keyB));
      if (was?.key_id === idOf(keyA)) expect(row.wrapped_key).not.toBe(was.wrapped_key);
      else expect(row.wrapped_key).toBe(was?.wrapped_key);
    }
    await everyCredentialOpens();

    // Two batches of at most two rows moved three rows: two records in the org's chain.
    const records = await node.runtime.db.system
      .selectFrom('audit_events')
      .select(['actor_type', 'actor_id', 'details'])
      .where('action', '=', 'vault.rewrapped')
      .where('org_id', '=', orgId)
      .orderBy('seq')
      .execute();
    expect(records.map((r) => r.details.count)).toEqual([2, 1]);
    expect(records.every((r) => r.actor_type === 'system' && r.details.to_key_id === idOf(keyB))).toBe(true);

    // The CLI command, as an operator runs it, finds nothing left.
    const out: string[] = [];
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      out.push(String(chunk));
      return true;
    });
    try {
      await runVaultRewrap(node.runtime, { batchSize: '2' });
    } finally {
      write.mockRestore();
    }
    expect(out.join('')).toBe(`rewrapped 0 under key ${idOf(keyB)}\n`);
    expect(process.exitCode ?? 0).toBe(0);
    expect(await secretsTable()).toEqual(after);
  });

  it('works with only the new key once rewrapped', async () => {
    await boot(keyB);
    await everyCredentialOpens();
    expect((await vault().vaultKeyUsage()).byKey).toEqual([
      { keyId: idOf(keyB), count: 6, state: 'current' },
    ]);
  });

  it('refuses a row altered in the database, and a sealed value moved to another row', async () => {
    const [first, second, third] = made;
    const rows = await secretsTable();
    const row = (id: string | undefined) => rows.find((r) => r.integration_id === id);
    const update = (id: string | undefined, set: Record<string, string>) =>
      node.runtime.db.system
        .updateTable('integration_secrets')
        .set(set)
        .where('integration_id', '=', id as string)
        .execute();
    // A flipped character in the ciphertext.
    const c = row(first?.id)?.ciphertext as string;
    await update(first?.id, { ciphertext: `${c.slice(0, -2)}${c.at(-2) === 'A' ? 'B' : 'A'}${c.at(-1)}` });
    // Another row's wrapped key and ciphertext, which are bound to that row's id.
    await update(second?.id, {
      ciphertext: row(third?.id)?.ciphertext as string,
      wrapped_key: row(third?.id)?.wrapped_key as string,
    });
    await boot(keyB);
    for (const id of [first?.id, second?.id]) {
      await expect(vault().resolveCredential(orgId, id as string)).rejects.toMatchObject({
        code: 'credential_unreadable',
      });
    }
    expect((await vault().resolveCredential(orgId, third?.id as string)).inject.headers).toEqual(
      third?.expected,
    );
  });
});

describe('keyring', () => {
  it('names keys by a fingerprint, seals per row, and rewraps without touching the ciphertext', () => {
    const old = createKeyring(keyA);
    const rotated = createKeyring(keyB, [keyA, keyB]);
    expect(old.currentId).toMatch(/^[0-9a-f]{16}$/);
    expect(rotated.previousIds).toEqual([old.currentId]);
    const sealed = old.seal('int_1', Buffer.from('s3cret'));
    expect(rotated.open('int_1', sealed).toString()).toBe('s3cret');
    expect(() => rotated.open('int_2', sealed)).toThrow('does not open');
    const moved = { ...sealed, ...rotated.rewrap('int_1', sealed) };
    expect(moved.ciphertext).toBe(sealed.ciphertext);
    expect(moved.key_id).toBe(rotated.currentId);
    expect(createKeyring(keyB).open('int_1', moved).toString()).toBe('s3cret');
    expect(() => createKeyring(keyB).open('int_1', sealed)).toThrow(
      `no configured master key has the id ${old.currentId}`,
    );
  });
});
