import type { Logger } from 'pino';
import type { Clock } from '../../platform/clock.js';
import { actorOf } from '../../platform/context.js';
import type { Db, Trx } from '../../platform/db/database.js';
import { createCoherentCache } from '../../platform/store/coherent-cache.js';
import type { EphemeralStore } from '../../platform/store/store.js';
import type { Authorizer } from '../authz/authorize.js';
import type { HubCtx, PrincipalRef, RoomRole } from './contract.js';
import { hubErrors as errors } from './errors.js';
import { hubRepo as repo } from './repo.js';
import type { Room } from './tables.js';

/**
 * Who may do what in a room (docs/hub.md, "Who may do what"): membership and roles for everyone,
 * and for an agent the authorization decision on the room as well.
 */

const ROOMS_WRITE = 'gatehouse:rooms.write';
const ADMIN_SCOPE = 'gatehouse:admin';

/**
 * Whose membership counts: the user, or the agent whose authority the token carries (for a
 * delegated token, the subject, as in authorization decisions).
 */
export const memberOf = (ctx: HubCtx): PrincipalRef =>
  ctx.principal.type === 'user'
    ? { type: 'user', id: ctx.principal.userId }
    : { type: 'agent', id: ctx.principal.agentId };

/** Who sends: the member, or for a delegated token the actor that made the call, for the subject. */
export function senderOf(ctx: HubCtx): PrincipalRef & { onBehalfOf: string | null } {
  const p = ctx.principal;
  if (p.type === 'user') return { type: 'user', id: p.userId, onBehalfOf: null };
  return { type: 'agent', id: actorOf(p).id, onBehalfOf: p.act ? p.agentId : null };
}

export const isOrgAdmin = (ctx: HubCtx) => ctx.principal.type === 'user' && ctx.principal.role === 'admin';

export const refOf = (memberId: string): PrincipalRef =>
  memberId.startsWith('usr_') ? { type: 'user', id: memberId } : { type: 'agent', id: memberId };

export const sameRef = (a: PrincipalRef, b: PrincipalRef) => a.type === b.type && a.id === b.id;

export interface Access {
  room: Room;
  /** The caller's own membership; null when it is none. */
  role: RoomRole | null;
}

/** The room as the caller may see it: another org's, or private and not the caller's, is absent. */
export function accessOf(ctx: HubCtx, found: (Room & { role: RoomRole | null }) | undefined): Access {
  if (!found) throw errors.roomNotFound();
  const { role, ...room } = found;
  if (room.visibility === 'private' && !role && !isOrgAdmin(ctx)) throw errors.roomNotFound();
  return { room, role };
}

/** An owner may change the room and its members; an agent also needs the management scope. */
export function canManage(ctx: HubCtx, role: RoomRole | null) {
  const p = ctx.principal;
  if (p.type === 'user') return p.role === 'admin' || role === 'owner';
  return role === 'owner' && (p.scopes.includes(ROOMS_WRITE) || p.scopes.includes(ADMIN_SCOPE));
}

/**
 * Posting (and changing one's messages) needs membership as owner or member (org admins act
 * as owners), the org role member or above, a live room, and for an agent `room.post`.
 */
export function assertMayPost(ctx: HubCtx, { room, role }: Access) {
  const effective = role ?? (isOrgAdmin(ctx) ? 'owner' : null);
  if (!effective) throw errors.notAMember();
  if (effective === 'read_only') throw errors.readOnly();
  if (ctx.principal.type === 'user' && ctx.principal.role === 'viewer')
    throw errors.readOnly('Viewers of the organization read rooms but do not post');
  if (room.archived) throw errors.archived();
}

const authzPrincipal = (ctx: HubCtx) => {
  const p = ctx.principal;
  if (p.type !== 'agent') return undefined;
  return {
    orgId: p.orgId,
    agentId: p.agentId,
    tokenId: p.tokenId,
    scopes: p.scopes,
    ...(p.act ? { act: p.act } : {}),
  };
};

const roomResource = (r: Room) => ({ type: 'Room', id: r.id, name: r.slug, tags: r.tags });

interface Deps {
  db: Db;
  authorizer: Pick<Authorizer, 'authorize'>;
  store: EphemeralStore;
  clock: Clock;
  log: Logger;
}

const roomKey = (orgId: string, roomId: string) => `${orgId}/${roomId}`;
const roleKey = (orgId: string, roomId: string, who: PrincipalRef) =>
  `${orgId}/${roomId}/${who.type}/${who.id}`;

/** The rules that need the database or the authorizer. */
export function createRoomAccess(deps: Deps) {
  const { db } = deps;

  // The send path's access check from memory: rooms and roles, each dropped on every node when it
  // changes (after its commit), so a send costs the database one statement (docs/hub.md, "Fan-out").
  // Each statement names its org: the key's org is the caller's own.
  const rooms = createCoherentCache<Room>({
    ...deps,
    channel: 'hub:rooms',
    load: async (key) => {
      const [orgId = '', roomId = ''] = key.split('/');
      return (await repo.room(db.system, orgId, roomId)) ?? null;
    },
  });
  const roles = createCoherentCache<{ role: RoomRole | null }>({
    ...deps,
    channel: 'hub:roles',
    load: async (key) => {
      const [orgId = '', roomId = '', type, id = ''] = key.split('/');
      const who: PrincipalRef = { type: type === 'user' ? 'user' : 'agent', id };
      return { role: (await repo.member(db.system, orgId, roomId, who))?.role ?? null };
    },
  });

  async function load(trx: Trx, ctx: HubCtx, roomId: string, opts: { forUpdate?: boolean } = {}) {
    const orgId = ctx.principal.orgId;
    const room = await repo.room(trx, orgId, roomId, opts);
    const role = room ? ((await repo.member(trx, orgId, roomId, memberOf(ctx)))?.role ?? null) : null;
    return accessOf(ctx, room && { ...room, role });
  }

  /** For an agent, the decision on the room, outside any transaction (it may load); denials audited unless `audit` is false. */
  async function decide(ctx: HubCtx, action: 'room.read' | 'room.post', room: Room, audit = true) {
    const principal = authzPrincipal(ctx);
    if (!principal) return true;
    const decision = await deps.authorizer.authorize(
      principal,
      action,
      roomResource(room),
      { ip: ctx.meta.ip },
      audit ? { meta: ctx.meta } : { audit: false },
    );
    if (!decision.allowed && audit) throw errors.denied(action, decision.reasons);
    return decision.allowed;
  }

  return {
    load,

    /** As `load`, from the caches: for the send path, whose statement re-checks the room is live. */
    async cached(ctx: HubCtx, roomId: string): Promise<Access> {
      const orgId = ctx.principal.orgId;
      const [room, member] = await Promise.all([
        rooms.get(roomKey(orgId, roomId)),
        roles.get(roleKey(orgId, roomId, memberOf(ctx))),
      ]);
      return accessOf(ctx, room ? { ...room, role: member?.role ?? null } : undefined);
    },

    /** After a commit that changed the room (its settings, archived, deleted) or one member's role. */
    changed(orgId: string, roomId: string, member?: PrincipalRef): Promise<void> {
      return member
        ? roles.changed([roleKey(orgId, roomId, member)])
        : rooms.changed([roomKey(orgId, roomId)]);
    },

    async start() {
      await Promise.all([rooms.start(), roles.start()]);
    },

    /** Throws unless the agent's decision allows `action` on the room (people pass). */
    async authorize(ctx: HubCtx, action: 'room.read' | 'room.post', room: Room) {
      await decide(ctx, action, room);
    },

    /** The room, for a caller that may read it. */
    async readable(ctx: HubCtx, roomId: string): Promise<Access> {
      const access = await db.tenant(ctx.principal.orgId, (trx) => load(trx, ctx, roomId));
      await decide(ctx, 'room.read', access.room);
      return access;
    },

    async postable(ctx: HubCtx, roomId: string): Promise<Access> {
      const access = await db.tenant(ctx.principal.orgId, (trx) => load(trx, ctx, roomId));
      assertMayPost(ctx, access);
      await decide(ctx, 'room.post', access.room);
      return access;
    },

    /** Those of `rooms` an agent may read; not audited, as nothing was asked of them. */
    async readableByAgent<T extends Room>(ctx: HubCtx, rooms: T[]): Promise<T[]> {
      const allowed = await Promise.all(rooms.map((r) => decide(ctx, 'room.read', r, false)));
      return rooms.filter((_, i) => allowed[i]);
    },
  };
}
export type RoomAccess = ReturnType<typeof createRoomAccess>;
