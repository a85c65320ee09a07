import { beforeAll, describe, expect, it } from 'vitest';
import {
  AgentClient,
  canonicalCommandString,
  hmacSignature,
  bodyDigest as sdkBodyDigest,
  signCommand,
  signingFetch,
} from '../../sdk/src/index.js';
import {
  bodyDigest,
  canonicalString,
  contentDigestSha256,
  formatContentDigest,
  hmac,
  parseSignature,
} from '../src/modules/signing/canonical.js';
import { useCredentialsServer } from './credentials-fixture.js';
import { manualClock } from './harness.js';
import { clientBuilder, otherOrgAdmin, type TestClient } from './oauth-fixture.js';

const clock = manualClock();
const t = useCredentialsServer(clock);
let newClient: ReturnType<typeof clientBuilder>;
beforeAll(() => {
  newClient = clientBuilder(t.api, t.admin, 'sig-agent');
});

const CHECK = '/v1/signing/check';
const nowSeconds = () => Math.floor(clock.now().getTime() / 1000);

interface Key {
  keyId: string;
  secret: string;
}

/** Data builder: a signing key for the agent, as the admin issues it. */
async function newKey(agentId: string, token = t.admin): Promise<Key> {
  const r = await t.api.call('POST', `/v1/agents/${agentId}/signing-keys`, { token });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return { keyId: r.body.id, secret: r.body.secret };
}

const setPolicy = (agentId: string, body: unknown, token = t.admin) =>
  t.api.call('PUT', `/v1/agents/${agentId}/signing-policy`, { token, body });

/** Signs `method path body` with the SDK as the agent would, at the manual clock's time. */
function sign(
  key: Key,
  o: { method?: string; path?: string; body?: string; timestamp?: number; nonce?: string },
) {
  return signCommand(
    key,
    { method: o.method ?? 'POST', url: t.server.url + (o.path ?? CHECK), body: o.body ?? null },
    {
      now: () => clock.now().getTime(),
      ...(o.timestamp !== undefined ? { timestamp: o.timestamp } : {}),
      ...(o.nonce ? { nonce: o.nonce } : {}),
    },
  );
}

/** POST to the check route with the agent's token, a raw body and extra headers. */
function check(
  agent: { token: string },
  o: { path?: string; body?: string; headers?: Record<string, string> } = {},
) {
  return t.api.call('POST', o.path ?? CHECK, {
    token: agent.token,
    ...(o.body !== undefined ? { body: o.body } : {}),
    headers: { ...(o.body !== undefined ? { 'content-type': 'application/json' } : {}), ...o.headers },
  });
}

/** An agent with a client secret, a live token and a signing key. */
async function signer(): Promise<{ client: TestClient; agentId: string; token: string; key: Key }> {
  const client = await newClient();
  return { client, agentId: client.agentId, token: await client.token(), key: await newKey(client.agentId) };
}

const refused = (r: { status: number; body: any }, code: string) => {
  expect(r.status, JSON.stringify(r.body)).toBe(401);
  expect(r.body).toMatchObject({ code, type: `urn:gatehouse:problem:${code}` });
};

describe('the canonical string and the SDK agree', () => {
  // The worked example of docs/command-signing.md.
  const example = {
    keyId: 'csk_01jdq2n3v8x9kq7m4t6w5y0zab',
    secret: 'ghsig_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8',
    method: 'post',
    pathWithQuery: '/v1/signing/check?dry_run=1',
    timestamp: 1767225600,
    nonce: 'AAECAwQFBgcICQoLDA0ODw',
    body: '{"hello":"world"}',
  };
  const canonical = [
    'gatehouse-command-v1',
    'csk_01jdq2n3v8x9kq7m4t6w5y0zab',
    'POST',
    '/v1/signing/check?dry_run=1',
    '1767225600',
    'AAECAwQFBgcICQoLDA0ODw',
    'k6I5cakU5erL8KjSUVTNownDwccvu5kU1Hxg88toFYg',
  ].join('\n');
  const sig = 'iOSMfAbaIOTbcHPYMLTuTpXIVGg2JXsyx7m8DlTnqyM';

  it('server and SDK build the documented string and signature', async () => {
    const digest = bodyDigest(Buffer.from(example.body));
    expect(digest).toBe('k6I5cakU5erL8KjSUVTNownDwccvu5kU1Hxg88toFYg');
    expect(await sdkBodyDigest(example.body)).toBe(digest);
    expect(bodyDigest(Buffer.alloc(0))).toBe('47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU');
    expect(await sdkBodyDigest(null)).toBe(bodyDigest(Buffer.alloc(0)));
    const parts = { ...example, bodyDigest: digest };
    expect(canonicalString(parts)).toBe(canonical);
    expect(canonicalCommandString(parts)).toBe(canonical);
    expect(hmac(example.secret, canonical)).toBe(sig);
    expect(await hmacSignature(example.secret, canonical)).toBe(sig);

    const headers = await signCommand(
      example,
      { method: 'POST', url: `https://gatehouse.example.com${example.pathWithQuery}`, body: example.body },
      { timestamp: example.timestamp, nonce: example.nonce },
    );
    expect(headers).toEqual({
      'gatehouse-signature': `keyid=${example.keyId}, ts=1767225600, nonce=${example.nonce}, sig=${sig}`,
      'content-digest': 'sha-256=:k6I5cakU5erL8KjSUVTNownDwccvu5kU1Hxg88toFYg=:',
    });
    expect(formatContentDigest(Buffer.from(example.body))).toBe(headers['content-digest']);
    expect(parseSignature(headers['gatehouse-signature'])).toEqual({
      keyId: example.keyId,
      timestamp: example.timestamp,
      nonce: example.nonce,
      sig,
    });
  });

  it('parses headers strictly', () => {
    const good = `keyid=${example.keyId}, ts=1767225600, nonce=${example.nonce}, sig=${sig}`;
    expect(
      parseSignature(`sig=${sig},nonce=${example.nonce},ts=1767225600,keyid=${example.keyId}`),
    ).toBeDefined();
    for (const bad of [
      '',
      `${good}, ts=1`,
      `${good}, extra=1`,
      good.replace('ts=1767225600', 'ts=01767225600'),
      good.replace('ts=1767225600', 'ts=-1'),
      good.replace(example.nonce, 'short'),
      good.replace(sig, `${sig.slice(0, -1)}N`), // same bytes, another spelling
      good.replace(sig, `${sig}=`),
      good.replace(example.keyId, 'crd_01jdq2n3v8x9kq7m4t6w5y0zab'),
      good.replace(', ', '; '),
    ]) {
      expect(parseSignature(bad), bad).toBeUndefined();
    }
    expect(
      contentDigestSha256('sha-512=:AA==:, sha-256=:k6I5cakU5erL8KjSUVTNownDwccvu5kU1Hxg88toFYg=:'),
    ).toEqual(Buffer.from(bodyDigest(Buffer.from(example.body)), 'base64url'));
    for (const bad of ['sha-256=:AA==:', 'sha-256=k6I5', 'sha-512=:AA==:', 'sha-256=:x:, sha-256=:x:']) {
      expect(contentDigestSha256(bad), bad).toBeUndefined();
    }
  });
});

describe('signing keys', () => {
  it('shows the secret once, lists metadata only, keeps it sealed, and audits', async () => {
    const agent = await t.newAgent();
    const r = await t.api.call('POST', `/v1/agents/${agent.id}/signing-keys`, { token: t.admin });
    expect(r.status).toBe(201);
    expect(r.body).toEqual({
      id: expect.stringMatching(/^csk_[0-9a-z]{26}$/),
      agent_id: agent.id,
      secret: expect.stringMatching(/^ghsig_[A-Za-z0-9_-]{43}$/),
      created_at: clock.now().toISOString(),
      expires_at: null,
    });
    const list = await t.api.get(`/v1/agents/${agent.id}/signing-keys`, t.admin);
    expect(list.status).toBe(200);
    expect(list.body).toEqual({
      items: [
        {
          id: r.body.id,
          agent_id: agent.id,
          status: 'active',
          created_by: t.adminId,
          created_at: r.body.created_at,
          last_used_at: null,
          expires_at: null,
          revoked_at: null,
          replaced_by: null,
        },
      ],
      next_cursor: null,
    });
    expect(JSON.stringify(list.body)).not.toContain(r.body.secret.slice(6));

    const row = await t.server.runtime.db.system
      .selectFrom('command_signing_keys')
      .selectAll()
      .where('id', '=', r.body.id)
      .executeTakeFirstOrThrow();
    expect(row.secret_sealed).toMatch(/^v1\./);
    expect(row.secret_sealed).not.toContain(r.body.secret.slice(6));

    const audit = await t.server.runtime.db.system
      .selectFrom('audit_events')
      .select(['action', 'actor_id', 'target_type', 'details'])
      .where('target_id', '=', r.body.id)
      .execute();
    expect(audit).toEqual([
      {
        action: 'signing_key.created',
        actor_id: t.adminId,
        target_type: 'command_signing_key',
        details: { agent_id: agent.id, expires_at: null },
      },
    ]);
  });

  it('refuses what it should: unknown agent, another org, viewers, bad bodies', async () => {
    const agent = await t.newAgent();
    const missing = 'agt_00000000000000000000000000';
    expect((await t.api.call('POST', `/v1/agents/${missing}/signing-keys`, { token: t.admin })).status).toBe(
      404,
    );
    const viewer = await t.api.addMember(t.admin, 'sig-viewer@example.com', 'viewer');
    const asViewer = await t.api.call('POST', `/v1/agents/${agent.id}/signing-keys`, { token: viewer.token });
    expect(asViewer.status).toBe(403);
    expect((await t.api.get(`/v1/agents/${agent.id}/signing-keys`, viewer.token)).status).toBe(200);
    const other = await otherOrgAdmin(t.api, t.admin, 'sig-keys');
    expect((await t.api.get(`/v1/agents/${agent.id}/signing-keys`, other.token)).status).toBe(404);
    const past = await t.api.post(
      `/v1/agents/${agent.id}/signing-keys`,
      { expires_at: new Date(clock.now().getTime() - 1000).toISOString() },
      t.admin,
    );
    expect(past.body.code).toBe('invalid_expiry');
    const unknownField = await t.api.post(`/v1/agents/${agent.id}/signing-keys`, { secret: 'x' }, t.admin);
    expect(unknownField.body.code).toBe('validation_failed');
    expect((await setPolicy(agent.id, { required: 'actions' })).body.code).toBe('validation_failed');
    expect((await setPolicy(agent.id, { required: 'always', actions: ['a.b'] })).body.code).toBe(
      'validation_failed',
    );
    expect((await setPolicy(agent.id, { required: 'actions', actions: ['Not An Action'] })).status).toBe(400);
  });

  it('revokes at once (and idempotently), then the key verifies nothing', async () => {
    const a = await signer();
    const before = await check(a, { headers: { ...(await sign(a.key, {})) } });
    expect(before.status, JSON.stringify(before.body)).toBe(200);
    const del = await t.api.del(`/v1/agents/${a.agentId}/signing-keys/${a.key.keyId}`, t.admin);
    expect(del.status).toBe(204);
    expect((await t.api.del(`/v1/agents/${a.agentId}/signing-keys/${a.key.keyId}`, t.admin)).status).toBe(
      204,
    );
    refused(await check(a, { headers: { ...(await sign(a.key, {})) } }), 'bad_signature');
    const listed = (await t.api.get(`/v1/agents/${a.agentId}/signing-keys`, t.admin)).body.items[0];
    expect(listed).toMatchObject({ status: 'revoked', revoked_at: clock.now().toISOString() });
    const rotate = await t.api.post(
      `/v1/agents/${a.agentId}/signing-keys/${a.key.keyId}/rotate`,
      {},
      t.admin,
    );
    expect(rotate.status).toBe(409);
    expect(rotate.body.code).toBe('signing_key_revoked');
    const audit = await t.server.runtime.db.system
      .selectFrom('audit_events')
      .select('action')
      .where('target_id', '=', a.key.keyId)
      .where('action', '=', 'signing_key.revoked')
      .execute();
    expect(audit).toHaveLength(1);
  });

  it('rotation: the new key works at once, the old one until its grace ends, then not', async () => {
    const a = await signer();
    const r = await t.api.post(
      `/v1/agents/${a.agentId}/signing-keys/${a.key.keyId}/rotate`,
      { grace_seconds: 600 },
      t.admin,
    );
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toMatchObject({
      id: expect.stringMatching(/^csk_/),
      replaces: a.key.keyId,
      secret: expect.stringMatching(/^ghsig_/),
      previous_valid_until: new Date(clock.now().getTime() + 600_000).toISOString(),
    });
    const fresh = { keyId: r.body.id, secret: r.body.secret };
    expect((await check(a, { headers: { ...(await sign(fresh, {})) } })).body).toEqual({
      ok: true,
      key_id: fresh.keyId,
    });
    expect((await check(a, { headers: { ...(await sign(a.key, {})) } })).body).toEqual({
      ok: true,
      key_id: a.key.keyId,
    });
    const again = await t.api.post(`/v1/agents/${a.agentId}/signing-keys/${a.key.keyId}/rotate`, {}, t.admin);
    expect(again.body.code).toBe('signing_key_replaced');
    const statuses = async () =>
      Object.fromEntries(
        (await t.api.get(`/v1/agents/${a.agentId}/signing-keys`, t.admin)).body.items.map((k: any) => [
          k.id,
          k.status,
        ]),
      );
    expect(await statuses()).toEqual({ [a.key.keyId]: 'rotating', [fresh.keyId]: 'active' });

    clock.advance(599_000);
    a.token = await a.client.token();
    expect((await check(a, { headers: { ...(await sign(a.key, {})) } })).status).toBe(200);
    clock.advance(1_000);
    refused(await check(a, { headers: { ...(await sign(a.key, {})) } }), 'bad_signature');
    expect((await check(a, { headers: { ...(await sign(fresh, {})) } })).status).toBe(200);
    expect(await statuses()).toEqual({ [a.key.keyId]: 'expired', [fresh.keyId]: 'active' });
    expect(
      (await t.api.post(`/v1/agents/${a.agentId}/signing-keys/${a.key.keyId}/rotate`, {}, t.admin)).body.code,
    ).toBe('signing_key_expired');

    const audit = await t.server.runtime.db.system
      .selectFrom('audit_events')
      .select(['action', 'details'])
      .where('target_id', '=', a.key.keyId)
      .where('action', '=', 'signing_key.rotated')
      .execute();
    expect(audit).toEqual([
      {
        action: 'signing_key.rotated',
        details: {
          agent_id: a.agentId,
          new_key_id: fresh.keyId,
          grace_seconds: 600,
          previous_valid_until: r.body.previous_valid_until,
        },
      },
    ]);
  });

  it('grace 0 stops the rotated key at once', async () => {
    const a = await signer();
    const r = await t.api.post(
      `/v1/agents/${a.agentId}/signing-keys/${a.key.keyId}/rotate`,
      { grace_seconds: 0 },
      t.admin,
    );
    expect(r.status).toBe(200);
    refused(await check(a, { headers: { ...(await sign(a.key, {})) } }), 'bad_signature');
  });
});

describe('verifying signed calls at POST /v1/signing/check', () => {
  it('accepts a good signature, with and without a body, and records the use', async () => {
    const a = await signer();
    const body = JSON.stringify({ hello: 'world' });
    const r = await check(a, { body, headers: { ...(await sign(a.key, { body })) } });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toEqual({ ok: true, key_id: a.key.keyId });
    const empty = await check(a, { headers: { ...(await sign(a.key, {})) } });
    expect(empty.body).toEqual({ ok: true, key_id: a.key.keyId });
    const query = `${CHECK}?x=1&y=%20`;
    const withQuery = await check(a, { path: query, headers: { ...(await sign(a.key, { path: query })) } });
    expect(withQuery.status).toBe(200);
    // Any content type: the signature is over bytes, not over parsed JSON.
    const text = 'not json at all';
    const raw = await check(a, {
      body: text,
      headers: { 'content-type': 'text/plain', ...(await sign(a.key, { body: text })) },
    });
    expect(raw.status, JSON.stringify(raw.body)).toBe(200);
    await expect
      .poll(
        async () =>
          (await t.api.get(`/v1/agents/${a.agentId}/signing-keys`, t.admin)).body.items[0].last_used_at,
      )
      .toBe(clock.now().toISOString());
  });

  it('optional policy: no signature passes; a signature that is sent must still verify', async () => {
    const a = await signer();
    expect((await check(a)).body).toEqual({ ok: true, key_id: null });
    const policy = await t.api.get(`/v1/agents/${a.agentId}/signing-policy`, t.admin);
    expect(policy.body).toEqual({
      agent_id: a.agentId,
      required: 'never',
      actions: [],
      updated_by: null,
      updated_at: null,
    });
    const headers = await sign(a.key, {});
    const wrong = headers['gatehouse-signature'].replace(/sig=.*/, `sig=${'A'.repeat(42)}E`);
    refused(await check(a, { headers: { 'gatehouse-signature': wrong } }), 'bad_signature');
    refused(await check(a, { headers: { 'gatehouse-signature': 'garbage' } }), 'bad_signature');
  });

  it('required policies: always, or for chosen actions; changes take effect at once', async () => {
    const a = await signer();
    const always = await setPolicy(a.agentId, { required: 'always' });
    expect(always.status, JSON.stringify(always.body)).toBe(200);
    expect(always.body).toMatchObject({ required: 'always', actions: [], updated_by: t.adminId });
    refused(await check(a), 'signature_required');
    expect((await check(a, { headers: { ...(await sign(a.key, {})) } })).status).toBe(200);

    await setPolicy(a.agentId, { required: 'actions', actions: ['integration.call', 'integration.call'] });
    expect((await t.api.get(`/v1/agents/${a.agentId}/signing-policy`, t.admin)).body).toMatchObject({
      required: 'actions',
      actions: ['integration.call'],
    });
    expect((await check(a)).status).toBe(200);
    const { signing } = t.services;
    const call = {
      orgId: t.orgId,
      agentId: a.agentId,
      method: 'POST',
      pathWithQuery: '/v1/integrations/x/call',
      headers: {},
      body: Buffer.alloc(0),
    };
    await expect(signing.verifyCommand({ ...call, action: 'integration.call' })).rejects.toMatchObject({
      status: 401,
      code: 'signature_required',
    });
    expect(await signing.verifyCommand({ ...call, action: 'authz.check' })).toEqual({
      signed: false,
      keyId: null,
    });
    const signedHeaders = await sign(a.key, { path: call.pathWithQuery });
    expect(
      await signing.verifyCommand({ ...call, action: 'integration.call', headers: { ...signedHeaders } }),
    ).toEqual({ signed: true, keyId: a.key.keyId });

    await setPolicy(a.agentId, { required: 'actions', actions: ['signing.check'] });
    refused(await check(a), 'signature_required');
    await setPolicy(a.agentId, { required: 'never' });
    expect((await check(a)).status).toBe(200);

    const audit = await t.server.runtime.db.system
      .selectFrom('audit_events')
      .select(['action', 'target_type', 'details'])
      .where('target_id', '=', a.agentId)
      .where('action', '=', 'signing_policy.updated')
      .orderBy('seq')
      .execute();
    expect(audit.map((e) => e.details.required)).toEqual(['always', 'actions', 'actions', 'never']);
    expect(audit[0]).toMatchObject({
      target_type: 'agent',
      details: { from: { required: 'never', actions: [] } },
    });
  });

  it('a tampered body fails, with or without the Content-Digest that was signed', async () => {
    const a = await signer();
    const body = JSON.stringify({ amount: 10 });
    const headers = await sign(a.key, { body });
    const tampered = JSON.stringify({ amount: 1000 });
    refused(await check(a, { body: tampered, headers: { ...headers } }), 'bad_signature');
    const { 'content-digest': _, ...noDigest } = headers;
    refused(await check(a, { body: tampered, headers: noDigest }), 'bad_signature');
    // The digest header alone is checked too: right signature, lying header.
    const lying = { ...headers, 'content-digest': formatContentDigest(Buffer.from(tampered)) };
    refused(await check(a, { body, headers: lying }), 'bad_signature');
    // The untouched request still passes (no nonce was used up by the refusals).
    expect((await check(a, { body, headers: { ...headers } })).status).toBe(200);
  });

  it('a tampered path or query, or another method, fails', async () => {
    const a = await signer();
    const signedFor = `${CHECK}?amount=10`;
    const headers = await sign(a.key, { path: signedFor });
    refused(await check(a, { path: `${CHECK}?amount=1000`, headers: { ...headers } }), 'bad_signature');
    refused(await check(a, { path: CHECK, headers: { ...headers } }), 'bad_signature');
    const put = await sign(a.key, { method: 'PUT' });
    refused(await check(a, { headers: { ...put } }), 'bad_signature');
    expect((await check(a, { path: signedFor, headers: { ...headers } })).status).toBe(200);
  });

  it('timestamps outside ±5 minutes are stale', async () => {
    const a = await signer();
    const now = nowSeconds();
    refused(
      await check(a, { headers: { ...(await sign(a.key, { timestamp: now - 301 })) } }),
      'stale_signature',
    );
    refused(
      await check(a, { headers: { ...(await sign(a.key, { timestamp: now + 301 })) } }),
      'stale_signature',
    );
    expect((await check(a, { headers: { ...(await sign(a.key, { timestamp: now - 299 })) } })).status).toBe(
      200,
    );
    expect((await check(a, { headers: { ...(await sign(a.key, { timestamp: now + 299 })) } })).status).toBe(
      200,
    );
  });

  it('a nonce is good once: the same signed request again is replayed', async () => {
    const a = await signer();
    const headers = await sign(a.key, {});
    expect((await check(a, { headers: { ...headers } })).status).toBe(200);
    refused(await check(a, { headers: { ...headers } }), 'replayed');
    // A new signature with the same nonce too: nonces are per key, not per signature.
    const sameNonce = await sign(a.key, {
      nonce: headers['gatehouse-signature'].match(/nonce=([^,]+)/)?.[1],
    });
    refused(await check(a, { headers: { ...sameNonce } }), 'replayed');
  });

  it("another agent's key, or another org's, does not verify", async () => {
    const a = await signer();
    const b = await signer();
    refused(await check(b, { headers: { ...(await sign(a.key, {})) } }), 'bad_signature');

    const other = await otherOrgAdmin(t.api, t.admin, 'sig-verify');
    const foreign = await clientBuilder(t.api, other.token, 'foreign')();
    const foreignKey = await newKey(foreign.agentId, other.token);
    refused(await check(a, { headers: { ...(await sign(foreignKey, {})) } }), 'bad_signature');
    // …and the foreign agent signing its own call is fine in its own org.
    const foreignToken = { token: await foreign.token() };
    expect((await check(foreignToken, { headers: { ...(await sign(foreignKey, {})) } })).status).toBe(200);
    // A key id that exists nowhere.
    refused(
      await check(a, {
        headers: { ...(await sign({ keyId: 'csk_00000000000000000000000000', secret: a.key.secret }, {})) },
      }),
      'bad_signature',
    );
  });

  it('is in the OpenAPI document with the key and policy routes', async () => {
    const doc = (await t.api.get('/openapi.json')).body;
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/v1/signing/check',
        '/v1/agents/{id}/signing-keys',
        '/v1/agents/{id}/signing-keys/{kid}/rotate',
        '/v1/agents/{id}/signing-keys/{kid}',
        '/v1/agents/{id}/signing-policy',
      ]),
    );
  });

  it('only agents call it', async () => {
    const unauth = await t.api.call('POST', CHECK);
    expect(unauth.status).toBe(401);
    const asAdmin = await t.api.call('POST', CHECK, { token: t.admin });
    expect(asAdmin.status).toBe(401);
  });

  it("the SDK's signingFetch signs requests the server accepts", async () => {
    const a = await signer();
    const signed = signingFetch(a.key, { now: () => clock.now().getTime() });
    const auth = { authorization: `Bearer ${a.token}` };
    for (const init of [
      { method: 'POST', headers: auth },
      { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: '{"a":1}' },
      { method: 'POST', headers: auth, body: new URLSearchParams({ q: 'x y', z: 'é' }) },
      { method: 'POST', headers: auth, body: new Uint8Array([0, 1, 2, 255]) },
    ]) {
      const res = await signed(`${t.server.url}${CHECK}?via=sdk#fragment`, init);
      expect(res.status, await res.clone().text()).toBe(200);
      expect(await res.json()).toEqual({ ok: true, key_id: a.key.keyId });
    }
    // As the SDK README shows: an AgentClient whose fetch signs what goes to Gatehouse.
    const agent = new AgentClient({
      issuer: t.server.url,
      clientId: a.client.clientId,
      auth: { type: 'client_secret', secret: a.client.secret },
      now: () => clock.now().getTime(),
      fetch: signingFetch(a.key, {
        now: () => clock.now().getTime(),
        shouldSign: (url) => url.origin === new URL(t.server.url).origin,
      }),
    });
    const viaClient = await agent.fetch(`${t.server.url}${CHECK}`, {
      method: 'POST',
      body: '{"hello":"world"}',
    });
    expect(viaClient.status).toBe(200);
    expect(await viaClient.json()).toEqual({ ok: true, key_id: a.key.keyId });

    const skipped = signingFetch(a.key, { shouldSign: () => false });
    await setPolicy(a.agentId, { required: 'always' });
    const res = await skipped(`${t.server.url}${CHECK}`, { method: 'POST', headers: auth });
    expect(res.status).toBe(401);
    expect(((await res.json()) as any).code).toBe('signature_required');
  });
});
