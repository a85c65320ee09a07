import type { IncomingMessage, ServerResponse } from 'node:http';
import cookie from '@fastify/cookie';
import cors from '@fastify/cors';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type RawServerDefault } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { registerAgentRoutes } from './modules/agents/routes.js';
import { registerAgentVersionRoutes } from './modules/agents/versions-routes.js';
import { registerAnalyticsRoutes } from './modules/analytics/routes.js';
import { registerAuditKeysWellKnown, registerCheckpointRoutes } from './modules/audit/checkpoint-routes.js';
import { registerAuditExportRoutes } from './modules/audit/export-routes.js';
import { registerAuditRoutes } from './modules/audit/routes.js';
import { registerAuthRoutes } from './modules/auth/routes.js';
import { registerAuthzRoutes } from './modules/authz/routes.js';
import { registerComplianceRoutes } from './modules/compliance/routes.js';
import { registerConsole } from './modules/console/routes.js';
import { registerCredentialRoutes } from './modules/credentials/routes.js';
import { registerDelegationRoutes } from './modules/delegations/routes.js';
import { registerGatewayRoutes } from './modules/gateway/routes.js';
import { registerHealthRoutes } from './modules/health/routes.js';
import { registerHubRoutes } from './modules/hub/routes.js';
import { attachHubSocket, type HubSocketOptions } from './modules/hub/socket.js';
import { registerInvitationRoutes } from './modules/invitations/routes.js';
import { registerJwksRoute, registerKeyRoutes } from './modules/keys/routes.js';
import { createClientAuthentication } from './modules/oauth/client-auth.js';
import { registerMetadataRoutes } from './modules/oauth/metadata.js';
import { registerOAuthRoutes } from './modules/oauth/routes.js';
import { registerAgentSessionRoutes } from './modules/oauth/sessions-routes.js';
import { registerMemberRoutes } from './modules/orgs/members-routes.js';
import { registerOrgRoutes } from './modules/orgs/routes.js';
import { agentRateLimitHook } from './modules/ratelimit/hook.js';
import { registerRateLimitRoutes } from './modules/ratelimit/routes.js';
import { registerClientRegistrationRoute } from './modules/registration/oauth-route.js';
import { registerRegistrationRoutes } from './modules/registration/routes.js';
import { registerResourceRoutes } from './modules/resources/routes.js';
import { registerSigningRoutes } from './modules/signing/routes.js';
import { registerVaultRoutes } from './modules/vault/routes.js';
import { createGuards } from './platform/http/auth.js';
import { createMetrics, registerMetrics } from './platform/http/metrics.js';
import { registerOpenApi } from './platform/http/openapi.js';
import { registerProblemHandlers, sendProblem } from './platform/http/problem.js';
import { RequestLog } from './platform/http/request-log.js';
import { staticSecurityHeaders } from './platform/http/security-headers.js';
import { newId } from './platform/ids.js';
import type { Runtime } from './runtime.js';

export type ZApp = FastifyInstance<
  RawServerDefault,
  IncomingMessage,
  ServerResponse,
  FastifyBaseLogger,
  ZodTypeProvider
>;

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export interface AppOptions {
  /** The hub's socket.io layer (tests shorten its heartbeat). */
  hub?: HubSocketOptions;
}

/** Builds the HTTP app over a runtime, without listening: tests and main share it. */
export async function buildApp(runtime: Runtime, options: AppOptions = {}): Promise<ZApp> {
  const { config } = runtime;
  const app = Fastify({
    // pino's Logger is a FastifyBaseLogger; the generics differ only in optional members.
    loggerInstance: runtime.log as FastifyBaseLogger,
    bodyLimit: config.bodyLimitBytes,
    logController: new RequestLog(runtime.log),
    trustProxy: config.trustProxy,
    // A caller's request id is kept when it is sane, so one id follows a call across services.
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : newId('req');
    },
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  // JSON only: any other body type gets 415 instead of a confusing validation error.
  app.removeContentTypeParser('text/plain');

  registerProblemHandlers(app);
  const metrics = createMetrics({ auditShipper: runtime.services.auditShipper });
  registerMetrics(app, metrics);
  // socket.io on the same HTTP server, beside Fastify's routes (docs/hub.md, "Real time").
  attachHubSocket(app, { runtime, hub: runtime.services.hub, registry: metrics.registry }, options.hub);
  const securityHeaders = staticSecurityHeaders();
  // One synchronous hook for what every response carries: each hook, and each promise, costs
  // on the token path (bench/RESULTS.md).
  app.addHook('onRequest', (request, reply, done) => {
    reply.headers(securityHeaders);
    reply.header('x-request-id', request.id);
    if (!runtime.state.ready && request.url.startsWith('/v1/')) {
      sendProblem(request, reply, {
        status: 503,
        code: 'not_ready',
        detail: 'Gatehouse is starting: the database is not ready yet',
      });
      return;
    }
    done();
  });
  // Without configured origins no cross-origin request is allowed: no CORS headers, no hook.
  if (config.corsOrigins.length) {
    await app.register(cors, { origin: config.corsOrigins, credentials: true });
  }
  await registerOpenApi(app, config);

  const guards = createGuards({
    auth: runtime.services.auth,
    verifier: runtime.services.verifier,
    dpop: runtime.services.dpop,
    issuer: config.issuer,
    onAgent: agentRateLimitHook(runtime.services.rateLimits),
  });
  const deps = { services: runtime.services, guards, config };
  registerHealthRoutes(app, runtime, metrics);
  registerJwksRoute(app, deps);
  registerAuditKeysWellKnown(app, deps);
  registerMetadataRoutes(app, config.issuer);
  await registerOAuthRoutes(app, {
    tokens: runtime.services.tokens,
    lifecycle: runtime.services.lifecycle,
    exchange: runtime.services.exchange,
    dpop: runtime.services.dpop,
    issuer: config.issuer,
    auditCommits: runtime.services.auditCommits,
    authenticateClient: createClientAuthentication({
      credentials: runtime.services.credentials,
      store: runtime.store,
      clock: runtime.clock,
      issuer: config.issuer,
    }),
  });
  await registerClientRegistrationRoute(app, runtime.services.registration);
  await app.register(
    async (instance) => {
      // Sessions travel in a cookie for the console; only the API reads or sets it.
      await instance.register(cookie);
      const v1 = instance.withTypeProvider<ZodTypeProvider>();
      registerAuthRoutes(v1, deps);
      registerOrgRoutes(v1, deps);
      registerMemberRoutes(v1, deps);
      registerInvitationRoutes(v1, deps);
      registerAgentRoutes(v1, deps);
      registerAgentVersionRoutes(v1, deps);
      registerCredentialRoutes(v1, deps);
      registerResourceRoutes(v1, deps);
      registerKeyRoutes(v1, deps);
      registerRegistrationRoutes(v1, deps);
      registerAgentSessionRoutes(v1, deps);
      registerDelegationRoutes(v1, deps);
      registerAuditRoutes(v1, deps);
      registerCheckpointRoutes(v1, deps);
      registerAuditExportRoutes(v1, deps);
      registerComplianceRoutes(v1, deps);
      registerAnalyticsRoutes(v1, deps);
      registerAuthzRoutes(v1, deps);
      registerVaultRoutes(v1, deps);
      registerRateLimitRoutes(v1, deps);
      registerSigningRoutes(v1, deps);
      registerHubRoutes(v1, deps);
    },
    { prefix: '/v1' },
  );
  await app.register(
    (instance) =>
      registerGatewayRoutes(instance, {
        ...deps,
        forwarder: runtime.services.forwarder,
        maxSignedBodyBytes: config.gateway.maxSignedBodyBytes,
      }),
    { prefix: '/v1/gateway' },
  );
  await registerConsole(app);
  return app;
}

export type RouteDeps = {
  services: Runtime['services'];
  guards: ReturnType<typeof createGuards>;
  config: Runtime['config'];
};
