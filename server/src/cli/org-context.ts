import type { z } from 'zod';
import type { Ctx, Principal } from '../platform/context.js';
import type { Org } from '../platform/db/tables.js';
import { AppError } from '../platform/errors.js';
import type { Runtime } from '../runtime.js';

/** A refusal a command reports as `gatehouse: <message>` with exit code 1. */
export class CliFailure extends Error {}

export function fail(message: string): never {
  throw new CliFailure(message);
}

/**
 * Wraps a command body: refusals (the CLI's own and the services' AppErrors) are printed and set
 * exit code 1 without throwing, so the runtime still closes its database cleanly.
 */
export function command<A extends unknown[]>(fn: (...args: A) => Promise<void>) {
  return async (...args: A): Promise<void> => {
    try {
      await fn(...args);
    } catch (err) {
      if (!(err instanceof CliFailure || err instanceof AppError)) throw err;
      const fields = err instanceof AppError ? (err.extra.errors ?? []) : [];
      const detail = fields.map((f) => `\n  ${f.field.replace(/^body\./, '')}: ${f.message}`).join('');
      process.stderr.write(`gatehouse: ${err.message}${detail}\n`);
      process.exitCode = 1;
    }
  };
}

/** Input checked by the same schema the HTTP API uses; each problem reported by field. */
export function parsed<T extends z.ZodType>(schema: T, input: unknown): z.infer<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `\n  ${i.path.join('.') || 'input'}: ${i.message}`);
  fail(`invalid input${problems.join('')}`);
}

/** The org named by its id (`org_…`) or its slug. */
export async function findOrg(rt: Runtime, ref: string): Promise<Org> {
  const org = await rt.db.system
    .selectFrom('orgs')
    .selectAll()
    .where(ref.startsWith('org_') ? 'id' : 'slug', '=', ref)
    .executeTakeFirst();
  return org ?? fail(`no organization ${ref}`);
}

/** The org's longest-standing admin: who owns what the CLI creates when no owner is named. */
export async function firstAdmin(rt: Runtime, orgId: string): Promise<string> {
  const admin = await rt.db.system
    .selectFrom('memberships')
    .select('user_id')
    .where('org_id', '=', orgId)
    .where('role', '=', 'admin')
    .orderBy('created_at')
    .orderBy('user_id')
    .executeTakeFirst();
  return admin?.user_id ?? fail('the organization has no admin to own the agent; pass --owner');
}

/** A user named by id (`usr_…`) or email. */
export async function findUser(rt: Runtime, ref: string): Promise<string> {
  const user = ref.startsWith('usr_')
    ? await rt.services.users.findById(ref)
    : await rt.services.users.findByEmail(ref.toLowerCase());
  return user?.id ?? fail(`no user ${ref}`);
}

/** The CLI acting in an org: audit records name it (system actor `cli`), not any person. */
export const cliCtx = (orgId: string): Ctx<Principal> => ({
  principal: { type: 'system', id: 'cli', orgId },
  meta: { ip: null, userAgent: 'gatehouse-cli', requestId: null },
});

/** A not_found from a service, said with the id and org the operator typed. */
export async function orNotFound<T>(work: Promise<T>, what: string, org: Org): Promise<T> {
  try {
    return await work;
  } catch (err) {
    if (err instanceof AppError && err.code === 'not_found') fail(`no ${what} in organization ${org.slug}`);
    throw err;
  }
}
