import type { Logger } from 'pino';
import { type AppOptions, buildApp, type ZApp } from './app.js';
import type { Config } from './config.js';
import { createRuntime, type Runtime, type RuntimeOptions } from './runtime.js';

export interface RunningServer {
  app: ZApp;
  runtime: Runtime;
  url: string;
  /** Resolves once the node is ready (database reachable, migrated, bootstrapped). */
  started: Promise<void>;
  /** Stops accepting, lets in-flight requests finish within the bound, then closes storage. */
  close(): Promise<void>;
}

/**
 * Starts one node: listens first, so /healthz answers and /readyz reports progress, then
 * connects to storage in the background, retrying until the database answers.
 */
export async function startServer(
  config: Config,
  log: Logger,
  options: RuntimeOptions & AppOptions = {},
): Promise<RunningServer> {
  const { hub, ...runtimeOptions } = options;
  const runtime = createRuntime(config, log, runtimeOptions);
  const app = await buildApp(runtime, hub ? { hub } : {});
  await app.listen({ port: config.port, host: config.host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const started = runtime.start().then(
    (ready) => {
      if (ready) log.info({ url: `${config.issuer}/console/` }, 'gatehouse ready');
    },
    (err: unknown) => {
      log.fatal({ err }, 'gatehouse failed to start');
      throw err;
    },
  );
  started.catch(() => {});

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      runtime.state.ready = false;
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), config.shutdownTimeoutMs);
      });
      const outcome = await Promise.race([app.close().then(() => 'closed' as const), timeout]);
      clearTimeout(timer);
      if (outcome === 'timeout') {
        log.warn({ timeoutMs: config.shutdownTimeoutMs }, 'in-flight requests outlived the shutdown bound');
        app.server.closeAllConnections();
      }
      await runtime.close();
    })();
    return closing;
  };
  return {
    app,
    runtime,
    url: `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`,
    started,
    close,
  };
}
