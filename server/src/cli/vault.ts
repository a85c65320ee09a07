import type { Runtime } from '../runtime.js';
import { fail } from './org-context.js';

function batchSizeOf(text: string | undefined): number {
  if (text === undefined) return 100;
  const n = Number(text);
  return Number.isInteger(n) && n >= 1 && n <= 10_000
    ? n
    : fail('--batch-size must be an integer from 1 to 10000');
}

/**
 * `gatehouse vault rewrap`: moves the vault's data keys from previous master keys to the current
 * one (docs/vault.md, "Rotating the master key"). Exit code 1 when a row could not be moved
 * (tampered) or rows remain under a key no longer configured, so a rotation script stops there.
 */
export async function runVaultRewrap(rt: Runtime, opts: { batchSize?: string; json?: boolean }) {
  const batchSize = batchSizeOf(opts.batchSize);
  const result = await rt.services.vault.rewrap({ batchSize, actor: { type: 'system', id: 'cli' } });
  const unknown = result.byKey.filter((k) => k.state === 'unknown');
  const left = result.byKey.filter((k) => k.state === 'previous');
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } else {
    process.stdout.write(`rewrapped ${result.rewrapped} under key ${result.keyId}\n`);
    for (const k of left)
      process.stdout.write(`still under previous key ${k.keyId}: ${k.count} (in use; run again)\n`);
    for (const k of unknown)
      process.stdout.write(
        `under unknown key ${k.keyId}: ${k.count} (add its master key to GATEHOUSE_MASTER_KEY_PREVIOUS)\n`,
      );
    for (const id of result.failed) process.stdout.write(`failed to open: ${id}\n`);
  }
  if (result.failed.length || unknown.length) process.exitCode = 1;
}

/** `gatehouse vault status`: credentials per wrapping key. */
export async function runVaultStatus(rt: Runtime, opts: { json?: boolean }) {
  const usage = await rt.services.vault.vaultKeyUsage();
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(usage)}\n`);
    return;
  }
  process.stdout.write(`current key ${usage.keyId}\n`);
  if (!usage.byKey.length) process.stdout.write('no credentials stored\n');
  for (const k of usage.byKey) process.stdout.write(`${k.keyId}  ${k.state.padEnd(8)} ${k.count}\n`);
}
