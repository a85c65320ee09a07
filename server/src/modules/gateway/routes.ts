import type { IncomingMessage } from 'node:http';
import { pipeline, type Readable, Transform } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { RouteDeps } from '../../app.js';
import { type AgentPrincipal, actorOf } from '../../platform/context.js';
import { AppError, forbidden, notFound } from '../../platform/errors.js';
import { metaOf } from '../../platform/http/auth.js';
import { rateLimited, writeRateLimitHeaders } from '../ratelimit/headers.js';
import { SIGNATURE_HEADER } from '../signing/canonical.js';
import { requiresSignature } from '../signing/verify.js';
import type { ResolvedCredential } from '../vault/access.js';
import { downstreamHeaders, type Forwarder, upstreamHeaders, upstreamUrl } from './forward.js';
import { redactStream, redactText } from './redact-stream.js';

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
const ACTION = 'integration.call';

/** Every secret the upstream request carries, to search the answer for. */
function secretsOf(cred: ResolvedCredential): string[] {
  const m = cred.material as unknown as Record<string, unknown>;
  const fields = ['value', 'token', 'password', 'client_secret'].map((k) => m[k]);
  return [
    ...Object.values(cred.inject.headers),
    ...Object.values(cred.inject.query),
    ...fields,
    cred.accessToken?.token,
  ].filter((s): s is string => typeof s === 'string');
}

/** The request body, whole, for a signature check; refused beyond `limit` bytes. */
async function readBody(stream: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += (chunk as Buffer).length;
    if (size > limit)
      throw new AppError(413, 'body_too_large', `A signed call's body may hold ${limit} bytes at most`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function counting(onEnd: (bytes: number) => void): Transform {
  let bytes = 0;
  return new Transform({
    transform(chunk: Buffer, _e, done) {
      bytes += chunk.length;
      done(null, chunk);
    },
    flush(done) {
      onEnd(bytes);
      done();
    },
  });
}

interface GatewayDeps extends RouteDeps {
  forwarder: Forwarder;
  /** The largest body a signed call may have (it is read whole to check its digest). */
  maxSignedBodyBytes: number;
}

/**
 * `ANY /v1/gateway/{integration}/{path}`: the agent's call to a third-party API, with the
 * secret injected here. In order: the agent's token (DPoP when bound; the per-agent rate limit
 * runs with it), the grant and the `integration.call` decision, the integration's own rate
 * limit, the command signature when sent or required, the credential, the egress check on the
 * resolved address, then the call, streamed both ways, and its audit record.
 */
export async function registerGatewayRoutes(app: FastifyInstance, deps: GatewayDeps) {
  const { vault, authorizer, rateLimits, signing, auditCommits } = deps.services;
  const { forwarder } = deps;

  // Bodies pass through untouched, whatever their type: the upstream judges them.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));

  app.route({
    method: [...METHODS],
    url: '/:integration/*',
    preHandler: deps.guards.agent(),
    schema: { hide: true },
    async handler(request: FastifyRequest, reply: FastifyReply) {
      const started = performance.now();
      const p = request.principal as AgentPrincipal;
      const { integration: name, '*': rest = '' } = request.params as { integration: string; '*': string };
      const method = request.method;
      const rawUrl = request.raw.url ?? '';
      const search = rawUrl.includes('?') ? rawUrl.slice(rawUrl.indexOf('?')) : '';
      const path = `/${rest}`;
      const meta = metaOf(request);

      const integration = await vault.getByName(p.orgId, name);
      if (!integration) throw notFound('Integration');
      if (integration.status !== 'active')
        throw forbidden('integration_disabled', 'The integration is disabled');
      if (!(await vault.isGranted(p.orgId, integration.id, p.agentId))) {
        throw forbidden('not_granted', 'The integration is not granted to this agent');
      }
      const decision = await authorizer.authorize(
        {
          orgId: p.orgId,
          agentId: p.agentId,
          tokenId: p.tokenId,
          scopes: p.scopes,
          ...(p.act ? { act: p.act } : {}),
        },
        ACTION,
        { type: 'Integration', id: integration.id, name: integration.name },
        { ip: request.ip, method, path },
        { meta },
      );
      if (!decision.allowed)
        throw forbidden('forbidden', `The call is not allowed: ${decision.reasons.join(', ')}`);
      if (integration.rate_limit_rpm) {
        const limit = await rateLimits.consumeIntegration(
          p.orgId,
          integration.id,
          integration.rate_limit_rpm,
        );
        if (!limit.allowed) {
          writeRateLimitHeaders(reply, limit);
          throw rateLimited(limit, 'calls to this integration');
        }
      }

      // The signature is the actor's: for a delegated token, the agent that makes the call.
      const actor = actorOf(p);
      const hasBody = method !== 'GET' && method !== 'HEAD' && request.body !== undefined;
      let body: Readable | Buffer | undefined = hasBody ? (request.body as Readable) : undefined;
      let signed = false;
      if (
        request.headers[SIGNATURE_HEADER] !== undefined ||
        requiresSignature(await signing.policyOf(p.orgId, actor.id), ACTION)
      ) {
        const bytes = hasBody ? await readBody(request.raw, deps.maxSignedBodyBytes) : Buffer.alloc(0);
        const verified = await signing.verifyCommand({
          orgId: p.orgId,
          agentId: actor.id,
          action: ACTION,
          method,
          pathWithQuery: rawUrl,
          headers: request.headers,
          body: bytes,
        });
        signed = verified.signed;
        body = hasBody ? bytes : undefined;
      }

      let bytesIn = Buffer.isBuffer(body) ? body.length : 0;
      if (body && !Buffer.isBuffer(body)) {
        // pipeline, not pipe: a failure on either side tears down both.
        body = pipeline(
          body,
          counting((n) => (bytesIn = n)),
          () => {},
        );
      }
      const record = (status: number, bytesOut: number) =>
        auditCommits
          .append({
            orgId: p.orgId,
            actor,
            action: 'gateway.called',
            target: { type: 'integration', id: integration.id },
            outcome: status < 400 ? 'success' : 'failure',
            details: {
              integration: integration.name,
              method,
              path,
              status,
              duration_ms: Math.round(performance.now() - started),
              bytes_in: bytesIn,
              bytes_out: bytesOut,
              signed,
            },
            meta,
          })
          .catch((err: Error) => request.log.error({ err: err.message }, 'gateway call not audited'));

      let upstream: Awaited<ReturnType<Forwarder['send']>>;
      let secrets: string[] = [];
      try {
        const cred = await vault.resolveCredential(p.orgId, integration.id);
        secrets = secretsOf(cred);
        upstream = await forwarder.send({
          url: upstreamUrl(integration.base_url, rest, search, cred.inject),
          policy: await vault.egressPolicy(p.orgId),
          method,
          headers: upstreamHeaders(request.headers, cred.inject),
          body,
        });
      } catch (err) {
        await record(err instanceof AppError ? err.status : 502, 0);
        throw err;
      }
      reply.code(upstream.statusCode);
      reply.headers(downstreamHeaders(upstream.headers, (v) => redactText(v, secrets)));
      const status = upstream.statusCode;
      // When the agent goes away, the upstream's answer is dropped with it, freeing the connection.
      const answer = pipeline(
        upstream.body,
        redactStream(secrets, (bytesOut) => void record(status, bytesOut)),
        () => {},
      );
      return reply.send(answer);
    },
  });
}
