import type { Db, Q, Trx } from '../../platform/db/database.js';
import type { User } from '../../platform/db/tables.js';
import { newId } from '../../platform/ids.js';
import { burnPasswordCheck, passwords } from './passwords.js';

export const normalizeEmail = (email: string) => email.trim().toLowerCase();

/**
 * People, independent of orgs: one account per email, one password. Membership in orgs
 * and roles belong to the orgs module.
 */
export function createUserService(db: Db) {
  const byEmail = (q: Q, email: string) =>
    q.selectFrom('users').selectAll().where('email', '=', normalizeEmail(email)).executeTakeFirst();

  return {
    findByEmail: (email: string, trx?: Trx) => byEmail(trx ?? db.system, email),

    findById: (id: string, trx?: Trx) =>
      (trx ?? db.system).selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst(),

    async create(trx: Trx, input: { email: string; name?: string; password?: string }): Promise<User> {
      return trx
        .insertInto('users')
        .values({
          id: newId('usr'),
          email: normalizeEmail(input.email),
          name: input.name?.trim() ?? '',
          password_hash: input.password ? await passwords.hash(input.password) : null,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
    },

    /** The user when the password matches; undefined otherwise, in the same time either way. */
    async verifyPassword(email: string, password: string): Promise<User | undefined> {
      const user = await byEmail(db.system, email);
      if (!user?.password_hash) {
        await burnPasswordCheck(password);
        return undefined;
      }
      return (await passwords.verify(user.password_hash, password)) ? user : undefined;
    },

    async setPassword(trx: Trx, userId: string, password: string) {
      await trx
        .updateTable('users')
        .set({ password_hash: await passwords.hash(password), updated_at: new Date() })
        .where('id', '=', userId)
        .execute();
    },

    async recordLogin(trx: Trx, userId: string, at: Date) {
      await trx.updateTable('users').set({ last_login_at: at }).where('id', '=', userId).execute();
    },
  };
}
export type UserService = ReturnType<typeof createUserService>;
