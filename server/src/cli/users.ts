import { randomBytes } from 'node:crypto';
import { text } from 'node:stream/consumers';
import type { Role } from '../platform/db/tables.js';
import type { Runtime } from '../runtime.js';

function fail(message: string): never {
  process.stderr.write(`gatehouse: ${message}\n`);
  process.exit(1);
}

export async function runUsersCreate(
  rt: Runtime,
  opts: { email: string; org: string; role: Role; name?: string; passwordStdin?: boolean },
) {
  const { users, orgs } = rt.services;
  const password = opts.passwordStdin ? (await text(process.stdin)).replace(/\r?\n$/, '') : undefined;
  if (password !== undefined && password.length < 12) fail('the password must be at least 12 characters');
  const org = await rt.db.system
    .selectFrom('orgs')
    .selectAll()
    .where('slug', '=', opts.org)
    .executeTakeFirst();
  if (!org) fail(`no organization with slug ${opts.org}`);
  const generated = password ?? randomBytes(18).toString('base64url');
  const result = await rt.db.transaction(async (trx) => {
    const existing = await users.findByEmail(opts.email, trx);
    if (existing && (await orgs.isMember(trx, org.id, existing.id))) return { kind: 'member' as const };
    const user =
      existing ??
      (await users.create(trx, {
        email: opts.email,
        password: generated,
        ...(opts.name ? { name: opts.name } : {}),
      }));
    await orgs.addMember(trx, { orgId: org.id, userId: user.id, role: opts.role });
    await rt.services.audit.record(trx, {
      orgId: org.id,
      actor: { type: 'system', id: 'cli' },
      action: existing ? 'member.added' : 'user.created',
      target: { type: 'user', id: user.id },
      details: { email: user.email, role: opts.role },
    });
    return { kind: existing ? ('added' as const) : ('created' as const), user };
  });
  if (result.kind === 'member') fail(`${opts.email} is already a member of ${opts.org}`);
  process.stdout.write(
    `${result.kind} ${result.user.email} (${result.user.id}) as ${opts.role} in ${org.slug}\n`,
  );
  if (result.kind === 'created' && password === undefined) {
    process.stdout.write(`password: ${generated}   (shown once)\n`);
  }
}

export async function runUsersList(rt: Runtime, opts: { org?: string }) {
  let query = rt.db.system
    .selectFrom('memberships as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .innerJoin('orgs as o', 'o.id', 'm.org_id')
    .select(['u.id', 'u.email', 'u.name', 'o.slug', 'm.role'])
    .orderBy('o.slug')
    .orderBy('u.email');
  if (opts.org) query = query.where('o.slug', '=', opts.org);
  const rows = await query.execute();
  if (!rows.length) {
    process.stdout.write('no users\n');
    return;
  }
  for (const r of rows)
    process.stdout.write(`${r.id}  ${r.email.padEnd(32)} ${r.slug.padEnd(20)} ${r.role}\n`);
}
