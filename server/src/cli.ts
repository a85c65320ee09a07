import { Command, Option } from 'commander';
import { runAgentsCreate, runAgentsList, runAgentsSetStatus } from './cli/agents.js';
import { runAuditPrune, runAuditVerify, usageExit } from './cli/audit.js';
import { runAuditExport } from './cli/audit-export.js';
import { runCredentialsCreate, runCredentialsRevoke, runCredentialsRotate } from './cli/credentials.js';
import { runKeysList, runKeysRotate } from './cli/keys.js';
import { runLocalToken, runRemoteToken } from './cli/token.js';
import { runUsersCreate, runUsersList } from './cli/users.js';
import { runVaultRewrap, runVaultStatus } from './cli/vault.js';
import { type Config, ConfigError, loadConfig } from './config.js';
import { AGENT_STATUSES } from './modules/agents/tables.js';
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

  const orgOption = () => new Option('--org <org>', 'organization id or slug').makeOptionMandatory();
  const agents = cli.command('agents').description('Agent identities');
  agents
    .command('create')
    .description('Register an agent')
    .addOption(orgOption())
    .requiredOption('--name <name>', 'unique name in the org (lowercase letters, digits, dashes)')
    .option('--scopes <a,b>', 'allowed scopes, comma-separated')
    .option('--ttl <seconds>', 'token lifetime in seconds (default 900)')
    .option('--owner <user>', "owner's email or user id (default: the org's first admin)")
    .action((opts) => withRuntime((rt) => runAgentsCreate(rt, opts)));
  agents
    .command('list')
    .description('List agents (archived ones only with --status archived)')
    .addOption(orgOption())
    .addOption(new Option('--status <status>', 'only agents in this status').choices([...AGENT_STATUSES]))
    .action((opts) => withRuntime((rt) => runAgentsList(rt, opts)));
  for (const [name, status, what] of [
    ['suspend', 'suspended', 'Suspend an agent: its tokens stop working at once'],
    ['activate', 'active', 'Reactivate a suspended agent'],
  ] as const) {
    agents
      .command(`${name} <agent-id>`)
      .description(what)
      .addOption(orgOption())
      .action((id, opts) => withRuntime((rt) => runAgentsSetStatus(status)(rt, id, opts)));
  }

  const credentials = cli.command('credentials').description("Agents' credentials");
  credentials
    .command('create <agent-id>')
    .description('Issue a credential; prints its secret once')
    .addOption(orgOption())
    .addOption(
      new Option('--type <type>', 'credential type')
        .choices(['client_secret', 'api_key'])
        .makeOptionMandatory(),
    )
    .option('--expires-at <iso>', 'expiry, ISO 8601 with offset (default: never)')
    .option('--json', 'print the whole answer as JSON')
    .action((id, opts) => withRuntime((rt) => runCredentialsCreate(rt, id, opts)));
  credentials
    .command('rotate <agent-id> <credential-id>')
    .description('Replace the secret; the previous one works until the grace ends; prints the new one once')
    .addOption(orgOption())
    .option('--grace <seconds>', 'how long the previous secret keeps working (default 3600)')
    .option('--json', 'print the whole answer as JSON')
    .action((id, cid, opts) => withRuntime((rt) => runCredentialsRotate(rt, id, cid, opts)));
  credentials
    .command('revoke <agent-id> <credential-id>')
    .description('Revoke a credential at once')
    .addOption(orgOption())
    .action((id, cid, opts) => withRuntime((rt) => runCredentialsRevoke(rt, id, cid, opts)));

  cli
    .command('token')
    .description('Get an access token with client credentials (client_credentials grant)')
    .requiredOption('--client-id <id>', 'OAuth client id (ghc_…)')
    .option('--client-secret <secret>', 'client secret (visible to local users in the process list)')
    .option('--client-secret-stdin', 'read the client secret from standard input')
    .option('--scope <scopes>', 'space-separated scopes (default: all the agent may have)')
    .option('--resource <uri>', 'resource indicator (RFC 8707)')
    .option('--url <issuer>', "a Gatehouse server's URL: ask its /oauth/token instead of this installation")
    .option('--json', 'print the whole token response as JSON')
    .action((opts) => (opts.url ? runRemoteToken(opts) : withRuntime((rt) => runLocalToken(rt, opts))));

  // One group for every audit command (export here; verification and retention join it).
  const audit = cli.command('audit').description('The tamper-evident audit log');
  audit
    .command('export')
    .description("Write an org's audit records in seq order as JSON lines or CSV (as GET /v1/audit/export)")
    .addOption(orgOption())
    .addOption(new Option('--format <format>', 'output format').choices(['jsonl', 'csv']).default('jsonl'))
    .option('--from <iso>', 'records at or after this time (ISO 8601 with offset)')
    .option('--to <iso>', 'records before this time (ISO 8601 with offset)')
    .option('--out <file>', 'write to this file instead of standard output')
    .action((opts) => withRuntime((rt) => runAuditExport(rt, opts)));
  audit
    .command('verify')
    .description(
      'Recompute audit chains against their signed checkpoints (every chain without --org or --checkpoint)',
    )
    .option('--org <org>', 'organization id or slug')
    .option('--from <seq>', 'first seq to recompute (default 1)')
    .option('--to <seq>', 'last seq to recompute (default: the end of the chain)')
    .option(
      '--checkpoint <file>',
      'a checkpoint kept outside (as GET /v1/audit/checkpoints lists it): the chain must match it',
    )
    .exitOverride(usageExit)
    .action((opts) => withRuntime((rt) => runAuditVerify(rt, opts)));
  audit
    .command('prune')
    .description(
      'Drop the monthly audit partitions wholly before a date, leaving a signed prune record in each chain',
    )
    .requiredOption(
      '--before <date>',
      'ISO 8601 date, at the latest the first day of the current month (UTC)',
    )
    .option('--yes', 'prune; without it, only say what would be dropped')
    .exitOverride(usageExit)
    .action((opts) => withRuntime((rt) => runAuditPrune(rt, opts)));

  const vault = cli.command('vault').description('Integration credentials and master key rotation');
  vault
    .command('rewrap')
    .description(
      'Re-wrap every data key sealed under a previous master key (GATEHOUSE_MASTER_KEY_PREVIOUS) under the current one',
    )
    .option('--batch-size <n>', 'rows per transaction (default 100)')
    .option('--json', 'print the counts as JSON')
    .action((opts) => withRuntime((rt) => runVaultRewrap(rt, opts)));
  vault
    .command('status')
    .description('How many credentials each master key wraps (current, previous, unknown)')
    .option('--json', 'print the counts as JSON')
    .action((opts) => withRuntime((rt) => runVaultStatus(rt, opts)));
  return cli;
}
