import { z } from 'zod';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/** Every setting Gatehouse reads, by its environment name. docs/configuration.md documents each one. */
const envSchema = z.object({
  PORT: int(0, 65535).default(8080),
  HOST: z.string().min(1).default('127.0.0.1'),
  GATEHOUSE_ISSUER: z.url({ protocol: /^https?$/ }).optional(),
  GATEHOUSE_DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: z
    .url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// or postgresql:// URL' })
    .optional(),
  DATABASE_POOL_MAX: int(1, 1000).default(10),
  REDIS_URL: z.url({ protocol: /^rediss?$/, error: 'must be a redis:// or rediss:// URL' }).optional(),
  GATEHOUSE_REDIS_PREFIX: z.string().default('gh:'),
  GATEHOUSE_MASTER_KEY: z
    .string()
    .regex(/^[A-Za-z0-9+/_-]{43}=?$|^[0-9a-fA-F]{64}$/, 'must be 32 bytes as base64 or hex')
    .optional(),
  // Master keys in use before the current one: the vault still opens what they sealed until
  // `gatehouse vault rewrap` has moved it (docs/vault.md).
  GATEHOUSE_MASTER_KEY_PREVIOUS: z
    .string()
    .regex(
      /^\s*([A-Za-z0-9+/_-]{43}=?|[0-9a-fA-F]{64})(\s*,\s*([A-Za-z0-9+/_-]{43}=?|[0-9a-fA-F]{64}))*\s*$/,
      'must be comma-separated keys of 32 bytes as base64 or hex',
    )
    .optional(),
  GATEHOUSE_ADMIN_EMAIL: z.email().optional(),
  GATEHOUSE_ADMIN_PASSWORD: z.string().min(12, 'must be at least 12 characters').optional(),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  NODE_ENV: z.string().optional(),
  GATEHOUSE_CORS_ORIGINS: z.string().default(''),
  GATEHOUSE_BODY_LIMIT_BYTES: int(1024, 100 * 1024 * 1024).default(1024 * 1024),
  GATEHOUSE_SHUTDOWN_TIMEOUT_MS: int(0, 600_000).default(10_000),
  GATEHOUSE_SESSION_TTL_SECONDS: int(60, 30 * 24 * 3600).default(12 * 3600),
  GATEHOUSE_INVITATION_TTL_SECONDS: int(60, 30 * 24 * 3600).default(7 * 24 * 3600),
  GATEHOUSE_LOGIN_MAX_FAILURES_PER_ACCOUNT: int(1, 10_000).default(10),
  GATEHOUSE_LOGIN_MAX_FAILURES_PER_IP: int(1, 100_000).default(100),
  GATEHOUSE_LOGIN_WINDOW_SECONDS: int(1, 24 * 3600).default(900),
  GATEHOUSE_TRUST_PROXY: z.enum(['true', 'false']).default('false'),
  GATEHOUSE_AUDIT_SINK: z
    .url({ protocol: /^(https?|file)$/, error: 'must be an http(s):// or file:// URL' })
    .optional(),
  GATEHOUSE_AUDIT_SINK_TOKEN: z.string().optional(),
  GATEHOUSE_KEY_PUBLISH_AHEAD_SECONDS: int(0, 7 * 24 * 3600).default(300),
  GATEHOUSE_KEY_ROTATION_DAYS: int(0, 3650).default(90),
  GATEHOUSE_DPOP_REQUIRE_NONCE: z.enum(['true', 'false']).default('false'),
  GATEHOUSE_AUDIT_CHECKPOINT_INTERVAL_SECONDS: int(0, 30 * 24 * 3600).default(3600),
  GATEHOUSE_AUTHZ_CACHE_SECONDS: int(0, 3600).default(5),
  GATEHOUSE_GATEWAY_CONNECT_TIMEOUT_MS: int(100, 120_000).default(5_000),
  GATEHOUSE_GATEWAY_TIMEOUT_MS: int(100, 3_600_000).default(30_000),
  GATEHOUSE_GATEWAY_MAX_SIGNED_BODY_BYTES: int(0, 1024 ** 3).default(10 * 1024 ** 2),
  GATEHOUSE_CREDENTIAL_MAX_AGE_DAYS: int(1, 3650).default(90),
  GATEHOUSE_CREDENTIAL_MAX_IDLE_DAYS: int(1, 3650).default(90),
  GATEHOUSE_TOKEN_TTL_POLICY_SECONDS: int(60, 86400).default(3600),
  GATEHOUSE_MAX_ADMINS: int(1, 10_000).default(5),
  GATEHOUSE_AUDIT_TOKEN_ISSUANCE: z.enum(['true', 'false']).default('true'),
  GATEHOUSE_RATE_LIMIT_AGENT_RPM: int(1, 1_000_000).default(600),
  GATEHOUSE_HUB_MAX_MESSAGE_BYTES: int(1, 16 * 1024 ** 2).default(65_536),
  GATEHOUSE_HUB_EVENTS_PER_SECOND: int(1, 10_000).default(30),
  GATEHOUSE_HUB_MAX_BUFFERED: int(1, 1_000_000).default(1000),
  GATEHOUSE_HUB_FLUSH_MS: int(0, 1000).default(10),
});

export type Config = Readonly<{
  port: number;
  host: string;
  issuer: string;
  dataDir: string;
  /** `memory` keeps the embedded database in memory only (tests, demos). */
  database:
    | { kind: 'pglite'; dataDir: string | 'memory' }
    | { kind: 'postgres'; url: string; poolMax: number };
  redis: { url: string; prefix: string } | undefined;
  masterKey: Buffer | undefined;
  /** GATEHOUSE_MASTER_KEY_PREVIOUS: earlier master keys the vault may still need to unwrap with. */
  previousMasterKeys: Buffer[];
  admin: { email: string | undefined; password: string | undefined };
  logLevel: (typeof LOG_LEVELS)[number];
  /** NODE_ENV=production: development-only checks (the transaction guard) are off. */
  production: boolean;
  corsOrigins: string[];
  bodyLimitBytes: number;
  shutdownTimeoutMs: number;
  sessionTtlSeconds: number;
  invitationTtlSeconds: number;
  login: { maxFailuresPerAccount: number; maxFailuresPerIp: number; windowSeconds: number };
  trustProxy: boolean;
  /** Where audit records are streamed (a SIEM's HTTP endpoint or a JSON-lines file), if anywhere. */
  auditSink: { url: string; token: string | undefined } | undefined;
  keys: { publishAheadSeconds: number; rotationDays: number };
  dpop: { requireNonce: boolean };
  /** How often each node checkpoints the audit chains that moved; 0: only on demand. */
  auditCheckpointIntervalSeconds: number;
  /** How long an authorization decision is reused for the same token, action and resource; 0: never. */
  authzCacheSeconds: number;
  gateway: { connectTimeoutMs: number; totalTimeoutMs: number; maxSignedBodyBytes: number };
  /** Whether each client_credentials issuance is recorded (token.issued); refusals and exchanges always are. */
  auditTokenIssuance: boolean;
  /** Requests per minute an agent token may make when neither its org nor the agent set a limit. */
  rateLimit: { agentRpm: number };
  /** The agent hub (docs/hub.md): message size, and the socket layer's per-socket limits. */
  hub: { maxMessageBytes: number; eventsPerSecond: number; maxBuffered: number; flushMs: number };
  /** Policies the compliance report checks live state against (docs/compliance.md). */
  compliance: {
    credentialMaxAgeDays: number;
    credentialMaxIdleDays: number;
    tokenTtlPolicySeconds: number;
    maxAdmins: number;
  };
}>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Buffer.isBuffer(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

function decodeKey(text: string): Buffer {
  return /^[0-9a-fA-F]{64}$/.test(text) ? Buffer.from(text, 'hex') : Buffer.from(text, 'base64url');
}

/**
 * Parses the environment once. Throws ConfigError naming every invalid setting, so the
 * process stops before it serves anything.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // An empty value means unset, as in most deployment tools' env files.
  const given = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ''));
  const parsed = envSchema.safeParse(given);
  const problems = parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  if (given.DATABASE_URL && !given.GATEHOUSE_MASTER_KEY) {
    problems.push('GATEHOUSE_MASTER_KEY: required when DATABASE_URL is set (32 bytes, base64 or hex)');
  }
  if (given.GATEHOUSE_AUDIT_SINK_TOKEN && !/^https?:/.test(given.GATEHOUSE_AUDIT_SINK ?? '')) {
    problems.push('GATEHOUSE_AUDIT_SINK_TOKEN: only an http(s):// GATEHOUSE_AUDIT_SINK takes a token');
  }
  if (!parsed.success || problems.length) throw new ConfigError(problems);
  const e = parsed.data;

  const issuer = (e.GATEHOUSE_ISSUER ?? `http://localhost:${e.PORT}`).replace(/\/+$/, '');
  return deepFreeze({
    port: e.PORT,
    host: e.HOST,
    issuer,
    dataDir: e.GATEHOUSE_DATA_DIR,
    database: e.DATABASE_URL
      ? { kind: 'postgres' as const, url: e.DATABASE_URL, poolMax: e.DATABASE_POOL_MAX }
      : {
          kind: 'pglite' as const,
          dataDir: e.GATEHOUSE_DATA_DIR === 'memory' ? 'memory' : e.GATEHOUSE_DATA_DIR,
        },
    redis: e.REDIS_URL ? { url: e.REDIS_URL, prefix: e.GATEHOUSE_REDIS_PREFIX } : undefined,
    masterKey: e.GATEHOUSE_MASTER_KEY ? decodeKey(e.GATEHOUSE_MASTER_KEY) : undefined,
    previousMasterKeys: (e.GATEHOUSE_MASTER_KEY_PREVIOUS ?? '')
      .split(',')
      .map((k) => k.trim())
      .filter(Boolean)
      .map(decodeKey),
    admin: { email: e.GATEHOUSE_ADMIN_EMAIL, password: e.GATEHOUSE_ADMIN_PASSWORD },
    logLevel: e.LOG_LEVEL,
    production: e.NODE_ENV === 'production',
    corsOrigins: e.GATEHOUSE_CORS_ORIGINS.split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    bodyLimitBytes: e.GATEHOUSE_BODY_LIMIT_BYTES,
    shutdownTimeoutMs: e.GATEHOUSE_SHUTDOWN_TIMEOUT_MS,
    sessionTtlSeconds: e.GATEHOUSE_SESSION_TTL_SECONDS,
    invitationTtlSeconds: e.GATEHOUSE_INVITATION_TTL_SECONDS,
    login: {
      maxFailuresPerAccount: e.GATEHOUSE_LOGIN_MAX_FAILURES_PER_ACCOUNT,
      maxFailuresPerIp: e.GATEHOUSE_LOGIN_MAX_FAILURES_PER_IP,
      windowSeconds: e.GATEHOUSE_LOGIN_WINDOW_SECONDS,
    },
    trustProxy: e.GATEHOUSE_TRUST_PROXY === 'true',
    auditSink: e.GATEHOUSE_AUDIT_SINK
      ? { url: e.GATEHOUSE_AUDIT_SINK, token: e.GATEHOUSE_AUDIT_SINK_TOKEN }
      : undefined,
    keys: {
      publishAheadSeconds: e.GATEHOUSE_KEY_PUBLISH_AHEAD_SECONDS,
      rotationDays: e.GATEHOUSE_KEY_ROTATION_DAYS,
    },
    dpop: { requireNonce: e.GATEHOUSE_DPOP_REQUIRE_NONCE === 'true' },
    auditCheckpointIntervalSeconds: e.GATEHOUSE_AUDIT_CHECKPOINT_INTERVAL_SECONDS,
    authzCacheSeconds: e.GATEHOUSE_AUTHZ_CACHE_SECONDS,
    gateway: {
      connectTimeoutMs: e.GATEHOUSE_GATEWAY_CONNECT_TIMEOUT_MS,
      totalTimeoutMs: e.GATEHOUSE_GATEWAY_TIMEOUT_MS,
      maxSignedBodyBytes: e.GATEHOUSE_GATEWAY_MAX_SIGNED_BODY_BYTES,
    },
    compliance: {
      credentialMaxAgeDays: e.GATEHOUSE_CREDENTIAL_MAX_AGE_DAYS,
      credentialMaxIdleDays: e.GATEHOUSE_CREDENTIAL_MAX_IDLE_DAYS,
      tokenTtlPolicySeconds: e.GATEHOUSE_TOKEN_TTL_POLICY_SECONDS,
      maxAdmins: e.GATEHOUSE_MAX_ADMINS,
    },
    auditTokenIssuance: e.GATEHOUSE_AUDIT_TOKEN_ISSUANCE === 'true',
    rateLimit: { agentRpm: e.GATEHOUSE_RATE_LIMIT_AGENT_RPM },
    hub: {
      maxMessageBytes: e.GATEHOUSE_HUB_MAX_MESSAGE_BYTES,
      eventsPerSecond: e.GATEHOUSE_HUB_EVENTS_PER_SECOND,
      maxBuffered: e.GATEHOUSE_HUB_MAX_BUFFERED,
      flushMs: e.GATEHOUSE_HUB_FLUSH_MS,
    },
  });
}
