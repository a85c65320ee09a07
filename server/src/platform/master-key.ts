import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config.js';

/**
 * The master key from GATEHOUSE_MASTER_KEY; in embedded mode without it, a key generated
 * once and kept (mode 0600) in the data dir, so a laptop install needs no setup.
 */
export function resolveMasterKey(config: Config, log: Logger): Buffer {
  if (config.masterKey) return config.masterKey;
  if (config.database.kind !== 'pglite')
    throw new Error('GATEHOUSE_MASTER_KEY is required with DATABASE_URL');
  if (config.database.dataDir === 'memory') return randomBytes(32);
  const file = join(config.database.dataDir, 'master.key');
  if (existsSync(file)) return Buffer.from(readFileSync(file, 'utf8').trim(), 'base64url');
  mkdirSync(config.database.dataDir, { recursive: true });
  const key = randomBytes(32);
  writeFileSync(file, `${key.toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
  log.warn({ file }, 'generated a master key in the data dir; set GATEHOUSE_MASTER_KEY in production');
  return key;
}
