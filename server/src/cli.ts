import { Command, Option } from 'commander';
import { runKeysList, runKeysRotate } from './cli/keys.js';
import { runUsersCreate, runUsersList } from './cli/users.js';
import { type Config, ConfigError, loadConfig } from './config.js';
import { ALGORITHMS } from './modules/keys/algorithms.js';
import { migrate } from './platform/db/migrate.js';
import { createLogger } from './platform/logger.js';
import { createRuntime, type Runtime } from './runtime.js';
import { startServer } from './server.js';

function config(): Config {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`gatehouse: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
}

async function start() {
  const cfg = config();
  const log = createLogger(cfg);
  if (cfg.database.kind === 'pglite') {
    log.warn(
      { dataDir: cfg.database.dataDir },
      'embedded database (PGlite): one node only; set DATABASE_URL in production',
    );
  }
  const server = await startServer(cfg, log);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    await server.close();
    log.info('shutdown complete');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  await server.started.catch(() => process.exit(1));
}

/** Opens storage for a one-off command (migrated unless told otherwise), runs it, and closes. */
async function withRuntime<T>(fn: (rt: Runtime) => Promise<T>, opts = { migrate: true }): Promise<T> {
  const cfg = config();
  const rt = createRuntime(
    cfg,
    createLogger({ logLevel: cfg.logLevel === 'info' ? 'warn' : cfg.logLevel }, 2),
  );
  try {
    if (opts.migrate) await migrate(rt.db);
    return await fn(rt);
  } finally {
    await rt.close();
  }
}

export function program(): Command {
  const cli = new Command('gatehouse')
    .description('Identity, access and collaboration control plane for AI agents')
    .showHelpAfterError();

  cli
    .command('start')
    .description('Start the server (settings from the environment; see docs/configuration.md)')
    .action(start);

  cli
    .command('migrate')
    .description('Apply pending database migrations and exit')
    .action(() =>
      withRuntime(
        async (rt) => {
          const applied = await migrate(rt.db);
          process.stdout.write(
            applied.length ? `applied: ${applied.join(', ')}\n` : 'database is up to date\n',
          );
        },
        { migrate: false },
      ),
    );

  const users = cli.command('users').description('Manage people');
  users
    .command('create')
    .description(
      'Create a user (or add an existing one) in an organization; prints a generated password once',
    )
    .requiredOption('--email <email>', 'email address')
    .requiredOption('--org <slug>', 'organization slug')
    .addOption(
      new Option('--role <role>', 'role in the org')
        .choices(['admin', 'manager', 'member', 'viewer'])
        .default('member'),
    )
    .option('--name <name>', 'display name')
    .option('--password-stdin', 'read the password from standard input instead of generating one')
    .action((opts) => withRuntime((rt) => runUsersCreate(rt, opts)));
  users
    .command('list')
    .description('List users, with their organizations and roles')
    .option('--org <slug>', 'only this organization')
    .action((opts) => withRuntime((rt) => runUsersList(rt, opts)));

  const keys = cli.command('keys').description('Token signing keys');
  keys
    .command('rotate')
    .description('Add a new signing key per org: published now, signing after the publish-ahead delay')
    .option('--org <slug>', 'only this organization (default: every organization)')
    .addOption(new Option('--alg <alg>', 'algorithm of the new key').choices([...ALGORITHMS]))
    .action((opts) => withRuntime((rt) => runKeysRotate(rt, opts)));
  keys
    .command('list')
    .description('List signing keys with their state')
    .option('--org <slug>', 'only this organization')
    .action((opts) => withRuntime((rt) => runKeysList(rt, opts)));
  return cli;
}
