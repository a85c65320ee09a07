import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The hub's metrics (docs/hub.md, "Metrics"); the gauges read this node's sockets at scrape time. */
export function createHubMetrics(
  registry: Registry,
  sources: {
    sockets(): number;
    activeRooms(): number;
    /** Messages this node's hub service stored since start, by how they came. */
    stored(): Readonly<{ socket: number; http: number }>;
  },
) {
  new Gauge({
    name: 'gatehouse_hub_sockets',
    help: 'Sockets connected to this node',
    registers: [registry],
    collect() {
      this.set(sources.sockets());
    },
  });
  new Gauge({
    name: 'gatehouse_hub_active_rooms',
    help: 'Rooms with at least one socket connected to this node',
    registers: [registry],
    collect() {
      this.set(sources.activeRooms());
    },
  });
  const counted = { socket: 0, http: 0 };
  new Counter({
    name: 'gatehouse_hub_messages_total',
    help: 'Messages stored by the hub on this node, by how they were sent',
    labelNames: ['via'] as const,
    registers: [registry],
    collect() {
      const now = sources.stored();
      for (const via of ['socket', 'http'] as const) {
        this.inc({ via }, now[via] - counted[via]);
        counted[via] = now[via];
      }
    },
  });
  const eventDuration = new Histogram({
    name: 'gatehouse_hub_event_duration_seconds',
    help: 'Time to answer a socket event, by event',
    labelNames: ['event'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  return { eventDuration };
}
export type HubMetrics = ReturnType<typeof createHubMetrics>;
