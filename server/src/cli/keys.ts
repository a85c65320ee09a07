import type { Algorithm } from '../modules/keys/algorithms.js';
import type { Runtime } from '../runtime.js';

async function orgIds(rt: Runtime, slug: string | undefined): Promise<{ id: string; slug: string }[]> {
  let query = rt.db.system.selectFrom('orgs').select(['id', 'slug']).orderBy('slug');
  if (slug) query = query.where('slug', '=', slug);
  const orgs = await query.execute();
  if (slug && !orgs.length) {
    process.stderr.write(`gatehouse: no organization with slug ${slug}\n`);
    process.exit(1);
  }
  return orgs;
}

export async function runKeysRotate(rt: Runtime, opts: { org?: string; alg?: Algorithm }) {
  for (const org of await orgIds(rt, opts.org)) {
    const key = await rt.services.keys.rotate(org.id, {
      ...(opts.alg ? { alg: opts.alg } : {}),
      actor: { type: 'system', id: 'cli' },
    });
    if (key) {
      process.stdout.write(
        `${org.slug}: ${key.kid} (${key.alg}) signs from ${key.activates_at.toISOString()}\n`,
      );
    }
  }
}

export async function runKeysList(rt: Runtime, opts: { org?: string }) {
  for (const org of await orgIds(rt, opts.org)) {
    const keys = await rt.services.keys.list(org.id);
    if (!keys.length) process.stdout.write(`${org.slug}: no keys yet (the first is made on first use)\n`);
    for (const k of keys) {
      const until = k.publish_until ? `  published until ${k.publish_until.toISOString()}` : '';
      process.stdout.write(`${org.slug}  ${k.kid}  ${k.alg.padEnd(6)} ${k.status.padEnd(8)}${until}\n`);
    }
  }
}
