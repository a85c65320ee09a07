import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from '../../platform/db/database.js';
import type { OrgService } from '../orgs/service.js';
import type { UserService } from '../users/service.js';

export const DEFAULT_ADMIN_EMAIL = 'admin@gatehouse.local';

interface Deps {
  db: Db;
  users: UserService;
  orgs: OrgService;
  admin: { email: string | undefined; password: string | undefined };
  consoleUrl: string;
  /** Where the one-time credentials go; stdout in production. */
  print: (text: string) => void;
}

/**
 * On an empty database, creates the first org and its admin. A generated password is printed
 * exactly once, here; it is never stored in clear or shown again.
 */
export function createBootstrap(deps: Deps) {
  return {
    async run(): Promise<'created' | 'existing'> {
      const result = await deps.db.transaction(async (trx) => {
        // Nodes starting together on an empty database must create one admin, not several.
        await sql`select pg_advisory_xact_lock(hashtext('gatehouse.bootstrap'))`.execute(trx);
        const any = await trx.selectFrom('orgs').select('id').limit(1).executeTakeFirst();
        if (any) return undefined;
        const email = deps.admin.email ?? DEFAULT_ADMIN_EMAIL;
        const generated = deps.admin.password === undefined;
        const password = deps.admin.password ?? randomBytes(18).toString('base64url');
        const user =
          (await deps.users.findByEmail(email, trx)) ??
          (await deps.users.create(trx, { email, name: 'Administrator', password }));
        const org = await deps.orgs.create({ name: 'Default', slug: 'default' }, { userId: user.id }, trx);
        return { email, password, generated, org };
      });
      if (!result) return 'existing';
      const lines = [
        '',
        '  Gatehouse is ready. First admin account:',
        `    console:   ${deps.consoleUrl}`,
        `    email:     ${result.email}`,
        result.generated
          ? `    password:  ${result.password}   (shown once; store it now)`
          : '    password:  the value of GATEHOUSE_ADMIN_PASSWORD',
        '',
      ];
      deps.print(`${lines.join('\n')}\n`);
      return 'created';
    },
  };
}
