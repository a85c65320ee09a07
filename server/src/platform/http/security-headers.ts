import type { FastifyInstance } from 'fastify';
import helmet from 'helmet';

/**
 * Helmet's security headers on every response. The helmet middleware is built once here;
 * @fastify/helmet rebuilds it on every request, which cost about a third of the throughput of
 * a trivial route (bench/RESULTS.md).
 */
export function registerSecurityHeaders(app: FastifyInstance) {
  const apply = helmet();
  app.addHook('onRequest', (request, reply, done) => {
    apply(request.raw, reply.raw, (err) => done(err instanceof Error ? err : undefined));
  });
}
