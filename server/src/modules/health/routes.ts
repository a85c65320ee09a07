import { z } from 'zod';
import type { ZApp } from '../../app.js';
import type { Metrics } from '../../platform/http/metrics.js';
import type { Runtime } from '../../runtime.js';

const CHECK_TIMEOUT_MS = 2_000;

async function check(fn: () => Promise<void>): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      fn(),
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)),
          CHECK_TIMEOUT_MS,
        );
      }),
    ]);
    return 'ok';
  } catch (err) {
    return (err as Error).message || 'failed';
  } finally {
    clearTimeout(timer);
  }
}

const readiness = z.object({
  status: z.enum(['ready', 'not_ready']),
  checks: z.record(z.string(), z.string()),
});

/** Liveness, readiness (database, and Redis when configured) and Prometheus metrics. */
export function registerHealthRoutes(app: ZApp, runtime: Runtime, metrics: Metrics) {
  app.get(
    '/healthz',
    { schema: { tags: ['health'], response: { 200: z.object({ status: z.literal('ok') }) } } },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    { schema: { tags: ['health'], response: { 200: readiness, 503: readiness } } },
    async (_request, reply) => {
      const checks: Record<string, string> = {
        startup: runtime.state.ready ? 'ok' : 'starting',
        database: await check(() => runtime.db.ping()),
      };
      if (runtime.store.kind === 'redis') checks.redis = await check(() => runtime.store.ping());
      const ok = Object.values(checks).every((v) => v === 'ok');
      return reply.code(ok ? 200 : 503).send({ status: ok ? 'ready' : 'not_ready', checks });
    },
  );

  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) =>
    reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()),
  );
}
