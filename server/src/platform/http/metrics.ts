import type { FastifyInstance } from 'fastify';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** What the audit sink's gauge reads at scrape time (modules/audit/sinks.ts). */
interface SinkLag {
  name: string;
  lag(): Promise<number>;
}

/** Prometheus metrics: process defaults, per-route request count and duration, audit sink lag. */
export function createMetrics(sources: { auditShipper?: SinkLag | undefined } = {}) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests by method, route template and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by method, route template and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const shipper = sources.auditShipper;
  if (shipper) {
    new Gauge({
      name: 'gatehouse_audit_sink_lag_events',
      help: 'Audit records committed but not yet acknowledged by the SIEM sink',
      labelNames: ['sink'] as const,
      registers: [registry],
      async collect() {
        // /metrics answers while the database is down: the gauge then keeps its last value.
        const lag = await shipper.lag().catch(() => undefined);
        if (lag !== undefined) this.set({ sink: shipper.name }, lag);
      },
    });
  }
  return { registry, requests, duration };
}
export type Metrics = ReturnType<typeof createMetrics>;

export function registerMetrics(app: FastifyInstance, metrics: Metrics) {
  app.addHook('onResponse', async (request, reply) => {
    // The route template, never the raw URL, keeps label cardinality bounded.
    const labels = {
      method: request.method,
      route: request.routeOptions.url ?? 'unmatched',
      status: String(reply.statusCode),
    };
    metrics.requests.inc(labels);
    metrics.duration.observe(labels, reply.elapsedTime / 1000);
  });
}
