// The ceiling for bench/token.ts: Fastify 5 (no plugins, no logger) answering a token request by
// signing the claims Gatehouse puts in an access token, with nothing else: no client
// authentication, no lookups, no audit. Signers: jose's SignJWT and node:crypto's Ed25519, the
// latter both on the request thread and on libuv's thread pool.
import { generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import Fastify from 'fastify';
import { SignJWT } from 'jose';

const port = Number(process.env.PORT ?? 8083);
const issuer = `http://127.0.0.1:${port}`;
const { privateKey } = generateKeyPairSync('ed25519');
const TTL = 900;

function claims(scope: string) {
  const now = Math.floor(Date.now() / 1000);
  return {
    iss: issuer,
    sub: 'agt_01jbench0000000000000000000',
    aud: issuer,
    exp: now + TTL,
    iat: now,
    nbf: now,
    jti: randomUUID(),
    client_id: 'ghc_bench000000000000000000000',
    scope,
    org_id: 'org_01jbench0000000000000000000',
  };
}

const answer = (accessToken: string, scope: string) => ({
  access_token: accessToken,
  token_type: 'Bearer',
  expires_in: TTL,
  scope,
});

const app = Fastify();
app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) =>
  done(null, new URLSearchParams(body as string)),
);
const scopeOf = (body: unknown) => (body as URLSearchParams).get('scope') ?? 'bench:read';

app.post('/token/jose', async (request) => {
  const scope = scopeOf(request.body);
  const token = await new SignJWT(claims(scope))
    .setProtectedHeader({ alg: 'EdDSA', kid: 'bench', typ: 'at+jwt' })
    .sign(privateKey);
  return answer(token, scope);
});

// Gatehouse's own signing path (server/src/modules/keys/service.ts) has this shape.
const header = Buffer.from(JSON.stringify({ alg: 'EdDSA', kid: 'bench', typ: 'at+jwt' })).toString(
  'base64url',
);
app.post('/token/crypto', async (request) => {
  const scope = scopeOf(request.body);
  const input = `${header}.${Buffer.from(JSON.stringify(claims(scope))).toString('base64url')}`;
  return answer(`${input}.${sign(null, Buffer.from(input), privateKey).toString('base64url')}`, scope);
});

// The same, with the signature made on libuv's thread pool (Gatehouse's path since the
// token-path work): the request thread serves others meanwhile.
const signAsync = (input: string) =>
  new Promise<Buffer>((resolve, reject) =>
    sign(null, Buffer.from(input), privateKey, (err, signature) => (err ? reject(err) : resolve(signature))),
  );
app.post('/token/crypto-async', async (request) => {
  const scope = scopeOf(request.body);
  const input = `${header}.${Buffer.from(JSON.stringify(claims(scope))).toString('base64url')}`;
  return answer(`${input}.${(await signAsync(input)).toString('base64url')}`, scope);
});

app.get('/healthz', async () => ({ status: 'ok' }));
await app.listen({ port, host: '127.0.0.1' });
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
