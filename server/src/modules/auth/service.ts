import type { Clock } from '../../platform/clock.js';
import type { RequestMeta, UserPrincipal } from '../../platform/context.js';
import type { SecretHasher } from '../../platform/crypto.js';
import { randomSecret } from '../../platform/crypto.js';
import type { Db } from '../../platform/db/database.js';
import { AppError, forbidden, notFound, unauthorized } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import type { EphemeralStore } from '../../platform/store/store.js';
import type { AuditService } from '../audit/service.js';
import type { OrgService } from '../orgs/service.js';
import { normalizeEmail, type UserService } from '../users/service.js';
import { sessionsRepo as repo } from './repo.js';
import { createLoginThrottle } from './throttle.js';

const TOUCH_EVERY_MS = 60_000;

interface Deps {
  db: Db;
  store: EphemeralStore;
  clock: Clock;
  hasher: SecretHasher;
  audit: AuditService;
  users: UserService;
  orgs: OrgService;
  sessionTtlSeconds: number;
  login: { maxFailuresPerAccount: number; maxFailuresPerIp: number; windowSeconds: number };
}

/** Human sign-in: password login, server-side sessions, and org switching. */
export function createAuthService(deps: Deps) {
  const { db, clock, hasher, audit, users, orgs } = deps;
  const throttle = createLoginThrottle(deps.store, deps.login);

  /** Opens a session in `orgId` for a user who just proved who they are. */
  async function openSession(userId: string, orgId: string, meta: RequestMeta) {
    const token = randomSecret('ghs_');
    const now = clock.now();
    const session = await db.transaction(async (trx) => {
      const s = await repo.insert(trx, {
        id: newId('ses'),
        user_id: userId,
        org_id: orgId,
        token_hash: hasher.hash(token),
        expires_at: new Date(now.getTime() + deps.sessionTtlSeconds * 1000),
        ip: meta.ip,
        user_agent: meta.userAgent?.slice(0, 500) ?? null,
      });
      await users.recordLogin(trx, userId, now);
      await audit.record(trx, {
        orgId,
        actor: { type: 'user', id: userId },
        action: 'user.login',
        target: { type: 'session', id: s.id },
        meta,
      });
      return s;
    });
    return { token, session };
  }

  /**
   * The account when the password is right. Every password check goes through here, so
   * throttling and the failure audit cover login and invitation acceptance alike.
   */
  async function checkPassword(rawEmail: string, password: string, meta: RequestMeta) {
    const email = normalizeEmail(rawEmail);
    await throttle.check(email, meta.ip);
    const user = await users.verifyPassword(email, password);
    if (!user) {
      await throttle.failed(email, meta.ip);
      await db.transaction((trx) =>
        audit.record(trx, {
          orgId: null,
          actor: { type: 'anonymous', id: null },
          action: 'user.login_failed',
          outcome: 'failure',
          meta,
          details: { email },
        }),
      );
      throw unauthorized('invalid_credentials', 'Invalid email or password');
    }
    await throttle.succeeded(email);
    return user;
  }

  return {
    openSession,

    checkPassword,

    async login(input: { email: string; password: string; orgId?: string }, meta: RequestMeta) {
      const user = await checkPassword(input.email, input.password, meta);
      const memberships = await orgs.membershipsOf(user.id);
      const org = memberships.find((m) => m.id === input.orgId) ?? memberships[0];
      if (!org) throw forbidden('no_organization', 'This account does not belong to any organization');
      return openSession(user.id, org.id, meta);
    },

    /** The principal behind a session token, or undefined when the session is not live. */
    async authenticate(token: string): Promise<UserPrincipal | undefined> {
      if (!token.startsWith('ghs_') || token.length > 100) return undefined;
      const now = clock.now();
      const s = await repo.findLive(db.system, hasher.hash(token), now);
      if (!s) return undefined;
      if (now.getTime() - s.last_seen_at.getTime() > TOUCH_EVERY_MS) await repo.touch(db.system, s.id, now);
      return {
        type: 'user',
        userId: s.user_id,
        orgId: s.org_id,
        role: s.role,
        sessionId: s.id,
        expiresAt: s.expires_at,
      };
    },

    async revoke(principal: UserPrincipal, sessionId: string, meta: RequestMeta) {
      await db.transaction(async (trx) => {
        const revoked = await repo.revoke(trx, principal.userId, sessionId, clock.now());
        if (!revoked) throw notFound('Session');
        await audit.record(trx, {
          orgId: revoked.org_id,
          actor: { type: 'user', id: principal.userId },
          action: 'session.revoked',
          target: { type: 'session', id: sessionId },
          meta,
        });
      });
    },

    /** Changes the password and ends every other session of the user. */
    async changePassword(
      principal: UserPrincipal,
      input: { currentPassword: string; newPassword: string },
      meta: RequestMeta,
    ) {
      const user = await users.findById(principal.userId);
      if (!user) throw unauthorized();
      await checkPassword(user.email, input.currentPassword, meta);
      await db.transaction(async (trx) => {
        await users.setPassword(trx, user.id, input.newPassword);
        const ended = await repo.revokeAllBut(trx, user.id, principal.sessionId, clock.now());
        await audit.record(trx, {
          orgId: principal.orgId,
          actor: { type: 'user', id: user.id },
          action: 'user.password_changed',
          target: { type: 'user', id: user.id },
          details: { sessions_ended: Number(ended.numUpdatedRows) },
          meta,
        });
      });
    },

    listSessions: (principal: UserPrincipal) => repo.listLive(db.system, principal.userId, clock.now()),

    async switchOrg(principal: UserPrincipal, orgId: string, meta: RequestMeta) {
      const memberships = await orgs.membershipsOf(principal.userId);
      const target = memberships.find((m) => m.id === orgId);
      if (!target) throw notFound('Organization');
      await db.transaction(async (trx) => {
        await repo.setOrg(trx, principal.sessionId, orgId);
        await audit.record(trx, {
          orgId,
          actor: { type: 'user', id: principal.userId },
          action: 'session.org_switched',
          target: { type: 'session', id: principal.sessionId },
          details: { from: principal.orgId },
          meta,
        });
      });
      return { ...principal, orgId, role: target.role };
    },

    /** Who is signed in, where, and which other orgs they can switch to. */
    async describe(who: { userId: string; orgId: string }) {
      const [user, memberships] = await Promise.all([
        users.findById(who.userId),
        orgs.membershipsOf(who.userId),
      ]);
      const org = memberships.find((m) => m.id === who.orgId);
      if (!user || !org) throw new AppError(401, 'session_invalid', 'The session is no longer valid');
      return { user, org, role: org.role, orgs: memberships };
    },
  };
}
export type AuthService = ReturnType<typeof createAuthService>;
