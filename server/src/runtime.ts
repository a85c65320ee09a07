import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import { TOKEN_TTL_SECONDS } from './modules/agents/schema.js';
import { createAgentService } from './modules/agents/service.js';
import { createAnalyticsService } from './modules/analytics/service.js';
import { anchorsOf } from './modules/audit/anchors.js';
import { createAuditCheckpoints } from './modules/audit/checkpoints.js';
import { createAuditExport } from './modules/audit/export.js';
import { createAuditGroupCommit } from './modules/audit/group-commit.js';
import { createAuditKeys } from './modules/audit/keys.js';
import { createAuditMaintenance } from './modules/audit/maintenance.js';
import { createAuditReader } from './modules/audit/reader.js';
import { createAuditService } from './modules/audit/service.js';
import { createAuditShipper } from './modules/audit/sinks.js';
import { createAuthService } from './modules/auth/service.js';
import { type Authorizer, createAuthorizer } from './modules/authz/authorize.js';
import { createPolicyService } from './modules/authz/policies.js';
import { createSkillService } from './modules/authz/skills.js';
import { createBootstrap } from './modules/bootstrap/service.js';
import { createComplianceService } from './modules/compliance/service.js';
import { createCredentialService } from './modules/credentials/service.js';
import { createDelegationService } from './modules/delegations/service.js';
import { createForwarder } from './modules/gateway/forward.js';
import { createHubService } from './modules/hub/service.js';
import { createInvitationService } from './modules/invitations/service.js';
import { createKeyService } from './modules/keys/service.js';
import { createAccessTokenVerifier } from './modules/oauth/access-tokens.js';
import { createDpopVerifier } from './modules/oauth/dpop.js';
import { createTokenLifecycle } from './modules/oauth/lifecycle.js';
import { createRevocationList } from './modules/oauth/revocations.js';
import { createTokenExchange } from './modules/oauth/token-exchange.js';
import { createTokenService } from './modules/oauth/token-service.js';
import { createOrgService } from './modules/orgs/service.js';
import { createRateLimitService } from './modules/ratelimit/service.js';
import { createRegistration } from './modules/registration/register.js';
import { createRegistrationSettings } from './modules/registration/service.js';
import { createResourceService } from './modules/resources/service.js';
import { createSigningService } from './modules/signing/service.js';
import { createUserService } from './modules/users/service.js';
import { createVaultService } from './modules/vault/service.js';
import { type Clock, systemClock } from './platform/clock.js';
import { createSecretHasher, deriveKey } from './platform/crypto.js';
import { createDatabase, type DatabaseOptions } from './platform/db/database.js';
import { migrate } from './platform/db/migrate.js';
import { resolveMasterKey } from './platform/master-key.js';
import { createMemoryStore } from './platform/store/memory.js';
import { createRedisStore } from './platform/store/redis.js';

export interface RuntimeOptions extends DatabaseOptions {
  clock?: Clock;
  /** Where bootstrap prints the first admin's credentials; stdout by default. */
  print?: (text: string) => void;
}

/**
 * Everything the process holds: storage, the ephemeral store and the services, wired once.
 * The HTTP app and the CLI both stand on it.
 */
export function createRuntime(config: Config, log: Logger, options: RuntimeOptions = {}) {
  const clock = options.clock ?? systemClock;
  const db = createDatabase(config, log, options);
  const store = config.redis
    ? createRedisStore(config.redis.url, config.redis.prefix, log)
    : createMemoryStore(() => clock.now().getTime());
  const masterKey = resolveMasterKey(config, log);
  const hasher = createSecretHasher(deriveKey(masterKey, 'secret-pepper/v1'));

  const audit = createAuditService({ db });
  const auditCommits = createAuditGroupCommit({ audit });
  const auditMaintenance = createAuditMaintenance({ db, log });
  const auditExport = createAuditExport({ db, clock });
  const auditShipper = config.auditSink ? createAuditShipper({ db, log, sink: config.auditSink }) : undefined;
  const auditReader = createAuditReader({ db, anchors: anchorsOf });
  // Audit keys are sealed as token signing keys are, under the same derived key.
  const signingKeysSeal = deriveKey(masterKey, 'signing-keys/v1');
  const auditKeys = createAuditKeys({ db, sealKey: signingKeysSeal });
  const auditCheckpoints = createAuditCheckpoints({
    db,
    keys: auditKeys,
    audit,
    clock,
    log,
    intervalSeconds: config.auditCheckpointIntervalSeconds,
  });
  const users = createUserService(db);
  const orgs = createOrgService({ db, audit, clock, store, log });
  const auth = createAuthService({
    db,
    store,
    clock,
    hasher,
    audit,
    users,
    orgs,
    sessionTtlSeconds: config.sessionTtlSeconds,
    login: config.login,
  });
  const invitations = createInvitationService({
    db,
    clock,
    hasher,
    audit,
    auth,
    users,
    orgs,
    issuer: config.issuer,
    ttlSeconds: config.invitationTtlSeconds,
  });
  const keys = createKeyService({
    db,
    store,
    clock,
    audit,
    log,
    sealKey: signingKeysSeal,
    publishAheadSeconds: config.keys.publishAheadSeconds,
    // A retired key stays published as long as the longest token an agent may be given.
    maxTokenTtlSeconds: TOKEN_TTL_SECONDS.max,
  });
  const agents = createAgentService({ db, store, clock, log, audit, orgs });
  const credentials = createCredentialService({ db, store, clock, log, audit, hasher, agents });
  const resources = createResourceService({ db, store, clock, log, audit, issuer: config.issuer });
  const tokens = createTokenService({
    clock,
    auditCommits,
    agents,
    keys,
    resources,
    issuer: config.issuer,
    defaultAudience: config.issuer,
    auditIssuance: config.auditTokenIssuance,
  });
  const dpop = createDpopVerifier({
    store,
    clock,
    nonceKey: deriveKey(masterKey, 'dpop-nonce/v1'),
    requireNonce: config.dpop.requireNonce,
  });
  const delegations = createDelegationService({ db, store, log, clock, audit, agents, orgs });
  const revocations = createRevocationList({ db, store, clock, log });
  const vault = createVaultService({
    db,
    store,
    clock,
    log,
    audit,
    agents,
    masterKey,
    previousMasterKeys: config.previousMasterKeys,
  });
  const signing = createSigningService({
    db,
    store,
    clock,
    log,
    audit,
    agents,
    sealKey: deriveKey(masterKey, 'command-signing/v1'),
  });
  const verifier = createAccessTokenVerifier({
    clock,
    issuer: config.issuer,
    keys,
    revocations,
    agents,
    credentials,
    delegations,
    orgs,
  });
  const exchange = createTokenExchange({ tokens, verifier, auth, delegations });
  const rateLimits = createRateLimitService({
    db,
    store,
    clock,
    log,
    audit,
    auditCommits,
    agents,
    defaultAgentRpm: config.rateLimit.agentRpm,
  });
  const lifecycle = createTokenLifecycle({ db, clock, audit, verifier, revocations, agents });
  const registrationSettings = createRegistrationSettings({ db, clock, audit, hasher });
  const registration = createRegistration({
    db,
    audit,
    settings: registrationSettings,
    orgs,
    agents,
    credentials,
  });
  const compliance = createComplianceService({
    db,
    clock,
    audit,
    auditReader,
    policy: {
      ...config.compliance,
      keyRotationDays: config.keys.rotationDays,
      loginMaxFailuresPerAccount: config.login.maxFailuresPerAccount,
    },
  });
  const analytics = createAnalyticsService({ db, clock });
  const forwarder = createForwarder(config.gateway);
  // Skills and policies drop the decisions they may change, on every node.
  const authzChanged = (orgId: string) => authorizer.changed(orgId);
  const skills = createSkillService({ db, store, log, clock, audit, agents, onChange: authzChanged });
  const policies = createPolicyService({ db, store, log, clock, audit, onChange: authzChanged });
  const authorizer: Authorizer = createAuthorizer({
    clock,
    store,
    log,
    agents,
    skills,
    policies,
    auditCommits,
    cacheTtlMs: config.authzCacheSeconds * 1000,
  });
  const hub = createHubService({
    db,
    clock,
    log,
    store,
    audit,
    authorizer,
    agents,
    orgs,
    maxMessageBytes: config.hub.maxMessageBytes,
  });
  const bootstrap = createBootstrap({
    db,
    users,
    orgs,
    admin: config.admin,
    consoleUrl: `${config.issuer}/console/`,
    print: options.print ?? ((text) => process.stdout.write(text)),
  });

  const state = { ready: false, closing: false };

  // Scheduled key rotation: each node checks hourly; the rotation itself is idempotent across nodes.
  let rotationTimer: NodeJS.Timeout | undefined;
  const scheduleKeyRotation = () => {
    if (!config.keys.rotationDays) return;
    const maxAgeMs = config.keys.rotationDays * 24 * 3600 * 1000;
    const run = () =>
      keys
        .rotateDue(maxAgeMs)
        .catch((err: Error) => log.error({ err: err.message }, 'scheduled key rotation failed'));
    void run();
    rotationTimer = setInterval(run, 3600_000);
    rotationTimer.unref();
  };

  return {
    config,
    log,
    clock,
    db,
    store,
    services: {
      audit,
      auditCommits,
      auditReader,
      auditKeys,
      auditCheckpoints,
      auditExport,
      auditShipper,
      users,
      orgs,
      auth,
      invitations,
      keys,
      agents,
      credentials,
      resources,
      tokens,
      verifier,
      lifecycle,
      exchange,
      delegations,
      dpop,
      registrationSettings,
      registration,
      bootstrap,
      compliance,
      analytics,
      skills,
      policies,
      authorizer,
      forwarder,
      vault,
      rateLimits,
      signing,
      hub,
    },
    state,

    /**
     * Waits for the database (retrying with backoff, so a node can start before its
     * database), applies migrations, bootstraps, then marks the node ready. Resolves false
     * when the node was closed before it got there.
     */
    async start(): Promise<boolean> {
      for (let attempt = 1; !state.closing; attempt++) {
        try {
          await db.ping();
          break;
        } catch (err) {
          const delay = Math.min(500 * 2 ** (attempt - 1), 15_000);
          log.error(
            { attempt, retryInMs: delay, err: (err as Error).message },
            'database unreachable at start; retrying',
          );
          await sleep(delay);
        }
      }
      if (state.closing) return false;
      const applied = await migrate(db);
      if (applied.length) log.info({ applied }, 'migrations applied');
      // Before anything is recorded: older records join their chains first.
      await auditMaintenance.start();
      await bootstrap.run();
      // Before serving: a node must hear other nodes' agent and credential changes before it caches them.
      await agents.start();
      await credentials.start();
      await resources.start();
      await delegations.start();
      await orgs.start();
      await skills.start();
      await policies.start();
      await authorizer.start();
      await vault.start();
      await rateLimits.start();
      await signing.start();
      await hub.start();
      state.ready = true;
      auditShipper?.start();
      scheduleKeyRotation();
      auditCheckpoints.start();
      return true;
    },

    async close(): Promise<void> {
      state.closing = true;
      clearInterval(rotationTimer);
      auditMaintenance.stop();
      auditCheckpoints.stop();
      await auditShipper?.stop();
      state.ready = false;
      // Issuance records still waiting for their commit get it before the database goes.
      await auditCommits.drain();
      await Promise.allSettled([db.close(), store.close(), forwarder.close()]);
    },
  };
}
export type Runtime = ReturnType<typeof createRuntime>;
export type Services = Runtime['services'];
