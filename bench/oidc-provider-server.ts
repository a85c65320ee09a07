// node-oidc-provider as bench/token.ts compares against it: client_credentials only, client_secret_basic,
// RFC 9068 JWT access tokens signed with EdDSA (Ed25519) through resource indicators.
import { generateKeyPairSync } from 'node:crypto';
import Provider from 'oidc-provider';

const port = Number(process.env.PORT ?? 8082);
const issuer = `http://127.0.0.1:${port}`;
const clientId = process.env.BENCH_CLIENT_ID ?? 'bench-client';
const clientSecret = process.env.BENCH_CLIENT_SECRET ?? 'bench-secret-bench-secret-bench-secret';
const scope = process.env.BENCH_SCOPE ?? 'bench:read';
const resource = `${issuer}/api`;

const jwk = generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' });

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: clientId,
      client_secret: clientSecret,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'EdDSA',
    },
  ],
  jwks: { keys: [{ ...jwk, kid: 'bench-ed25519', alg: 'EdDSA', use: 'sig' }] },
  ttl: { ClientCredentials: 900 },
  enabledJWA: { idTokenSigningAlgValues: ['EdDSA'] },
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    resourceIndicators: {
      enabled: true,
      // A request without `resource` gets this one, as Gatehouse's gets its default audience.
      defaultResource: () => resource,
      getResourceServerInfo: () => ({
        scope,
        audience: resource,
        accessTokenTTL: 900,
        accessTokenFormat: 'jwt',
        jwt: { sign: { alg: 'EdDSA' } },
      }),
    },
  },
});

const server = provider.listen(port, '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
