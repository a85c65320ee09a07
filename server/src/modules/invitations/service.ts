import type { Clock } from '../../platform/clock.js';
import type { Ctx, RequestMeta } from '../../platform/context.js';
import { randomSecret, type SecretHasher } from '../../platform/crypto.js';
import type { Db } from '../../platform/db/database.js';
import type { Role } from '../../platform/db/tables.js';
import { badRequest, conflict, notFound } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { decodeCursor, toPage } from '../../platform/pagination.js';
import type { AuditService } from '../audit/service.js';
import type { AuthService } from '../auth/service.js';
import type { OrgService } from '../orgs/service.js';
import { normalizeEmail, type UserService } from '../users/service.js';
import { invitationsRepo as repo } from './repo.js';

interface Deps {
  db: Db;
  clock: Clock;
  hasher: SecretHasher;
  audit: AuditService;
  auth: AuthService;
  users: UserService;
  orgs: OrgService;
  issuer: string;
  ttlSeconds: number;
}

const invalid = () =>
  badRequest('invitation_invalid', 'This invitation link is invalid, expired, revoked or already used');

/**
 * Invitations: an admin invites an email with a role and gets a one-time link; whoever holds
 * the link joins the org, creating the account (and its password) if the email has none.
 */
export function createInvitationService(deps: Deps) {
  const { db, clock, hasher, audit, auth, users, orgs } = deps;

  async function findPending(token: string) {
    if (!token.startsWith('ghi_') || token.length > 100) throw invalid();
    const inv = await repo.byTokenHash(db.system, hasher.hash(token)).executeTakeFirst();
    if (!inv || inv.accepted_at || inv.revoked_at || inv.expires_at <= clock.now()) throw invalid();
    return inv;
  }

  return {
    create: (ctx: Ctx, input: { email: string; role: Role }) =>
      db.tenant(ctx.principal.orgId, async (trx) => {
        const orgId = ctx.principal.orgId;
        const email = normalizeEmail(input.email);
        // Inside the tenant transaction a user row is visible only while a member of this org.
        if (await users.findByEmail(email, trx)) {
          throw conflict('already_member', `${email} is already a member of this organization`);
        }
        const now = clock.now();
        // One pending invitation per email: a new one replaces the old link.
        await repo.revokePendingFor(trx, orgId, email, now);
        const token = randomSecret('ghi_');
        const inv = await repo.insert(trx, {
          id: newId('inv'),
          org_id: orgId,
          email,
          role: input.role,
          token_hash: hasher.hash(token),
          invited_by: ctx.principal.userId,
          expires_at: new Date(now.getTime() + deps.ttlSeconds * 1000),
        });
        await audit.record(trx, {
          orgId,
          actor: { type: 'user', id: ctx.principal.userId },
          action: 'invitation.created',
          target: { type: 'invitation', id: inv.id },
          details: { email, role: input.role },
          meta: ctx.meta,
        });
        // The token travels in the fragment, so it never reaches server or proxy logs.
        return { ...inv, token, invite_url: `${deps.issuer}/console/accept-invite#token=${token}` };
      }),

    list: (ctx: Ctx, q: { limit: number; cursor?: string }) =>
      db.tenant(ctx.principal.orgId, async (trx) => {
        let query = repo
          .pending(trx, ctx.principal.orgId, clock.now())
          .orderBy('id')
          .limit(q.limit + 1);
        const after = decodeCursor(q.cursor);
        if (after) query = query.where('id', '>', after);
        return toPage(await query.execute(), q.limit, (i) => i.id);
      }),

    revoke: (ctx: Ctx, id: string) =>
      db.tenant(ctx.principal.orgId, async (trx) => {
        const revoked = await repo.revoke(trx, ctx.principal.orgId, id, clock.now());
        if (!revoked) throw notFound('Invitation');
        await audit.record(trx, {
          orgId: ctx.principal.orgId,
          actor: { type: 'user', id: ctx.principal.userId },
          action: 'invitation.revoked',
          target: { type: 'invitation', id },
          details: { email: revoked.email },
          meta: ctx.meta,
        });
      }),

    /** What the link is for, so the accept page can ask for a new or an existing password. */
    async inspect(token: string) {
      const inv = await findPending(token);
      const existing = await users.findByEmail(inv.email);
      return { inv, existingUser: !!existing?.password_hash };
    },

    /**
     * Joins the org. A new email gets an account with `password`; an existing account must
     * prove itself with its own password. Returns the user to open a session for.
     */
    async accept(input: { token: string; password: string; name?: string }, meta: RequestMeta) {
      const inv = await findPending(input.token);
      const existing = await users.findByEmail(inv.email);
      // An existing account proves itself like a login: throttled, and failures audited.
      if (existing?.password_hash) await auth.checkPassword(inv.email, input.password, meta);
      return db.transaction(async (trx) => {
        if (!(await repo.claimPending(trx, inv.id))) throw invalid();
        const user =
          existing ??
          (await users.create(trx, {
            email: inv.email,
            password: input.password,
            ...(input.name ? { name: input.name } : {}),
          }));
        if (existing && !existing.password_hash) await users.setPassword(trx, existing.id, input.password);
        if (!(await repo.markAccepted(trx, inv.id, user.id, clock.now()))) throw invalid();
        if (!(await orgs.isMember(trx, inv.org_id, user.id))) {
          await orgs.addMember(trx, { orgId: inv.org_id, userId: user.id, role: inv.role });
        }
        await audit.record(trx, {
          orgId: inv.org_id,
          actor: { type: 'user', id: user.id },
          action: 'invitation.accepted',
          target: { type: 'invitation', id: inv.id },
          details: { email: inv.email, role: inv.role, new_account: !existing },
          meta,
        });
        return { user, orgId: inv.org_id };
      });
    },
  };
}
export type InvitationService = ReturnType<typeof createInvitationService>;
