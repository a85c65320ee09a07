import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { RouteDeps, ZApp } from '../../app.js';
import { unauthorized } from '../../platform/errors.js';
import { metaOf, sessionSecurity } from '../../platform/http/auth.js';
import { pageOf } from '../../platform/pagination.js';
import type { HubCtx } from './contract.js';
import { presentMember } from './present.js';
import {
  createRoomBody,
  editBody,
  historyQuery,
  listRoomsQuery,
  memberBody,
  memberParams,
  memberSchema,
  messageParams,
  messageSchema,
  roomParams,
  roomSchema,
  searchQuery,
  sendBody,
  updateRoomBody,
} from './schema.js';

const tags = ['hub'];
const security = sessionSecurity;
const history = z.object({ items: z.array(messageSchema), has_more: z.boolean() });

/** The person or agent asking; the hub's guards admit no other principal. */
function hubCtxOf(request: FastifyRequest): HubCtx {
  const p = request.principal;
  if (p?.type !== 'user' && p?.type !== 'agent') throw unauthorized();
  return { principal: p, meta: metaOf(request) };
}

/**
 * /v1/rooms (docs/hub.md, "HTTP API"): rooms, members and messages, for people and agents alike.
 * The guards only authenticate; who may do what in a room is the service's to judge, since the
 * socket layer asks the same service.
 */
export function registerHubRoutes(app: ZApp, { services, guards, config }: RouteDeps) {
  const { hub } = services;
  // A message at the hub's limit must reach the service, which answers message_too_large: JSON
  // may spell a byte in up to 6 characters (\u00xx), and data adds its 16 KiB the same way.
  const bodyLimit = Math.max(config.bodyLimitBytes, 6 * (config.hub.maxMessageBytes + 16 * 1024) + 1024);
  const anyone = guards.member();
  // Creating and managing rooms: people with the member role, agents with the management scope.
  const creator = guards.actor('member', 'gatehouse:rooms.write');
  const manager = guards.actor('viewer', 'gatehouse:rooms.write');

  app.get(
    '/rooms',
    {
      preHandler: anyone,
      schema: {
        tags,
        summary: 'Rooms you can see: public ones and your own (mine=true: only yours)',
        security,
        querystring: listRoomsQuery,
        response: { 200: pageOf(roomSchema) },
      },
    },
    async (request) => hub.listRooms(hubCtxOf(request), request.query),
  );

  app.post(
    '/rooms',
    {
      preHandler: creator,
      schema: {
        tags,
        summary: 'Create a room; you become its owner',
        security,
        body: createRoomBody,
        response: { 201: roomSchema },
      },
    },
    async (request, reply) => reply.code(201).send(await hub.createRoom(hubCtxOf(request), request.body)),
  );

  app.get(
    '/rooms/:id',
    {
      preHandler: anyone,
      schema: {
        tags,
        summary: 'One room, with your role in it',
        security,
        params: roomParams,
        response: { 200: roomSchema },
      },
    },
    async (request) => hub.getRoom(hubCtxOf(request), request.params.id),
  );

  app.patch(
    '/rooms/:id',
    {
      preHandler: manager,
      schema: {
        tags,
        summary: 'Change a room (owners and admins); archived: true stops posts and joins',
        security,
        params: roomParams,
        body: updateRoomBody,
        response: { 200: roomSchema },
      },
    },
    async (request) => hub.updateRoom(hubCtxOf(request), request.params.id, request.body),
  );

  app.delete(
    '/rooms/:id',
    {
      preHandler: manager,
      schema: {
        tags,
        summary: 'Delete a room with its members and messages (owners and admins)',
        security,
        params: roomParams,
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      await hub.deleteRoom(hubCtxOf(request), request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/rooms/:id/members',
    {
      preHandler: anyone,
      schema: {
        tags,
        summary: "A room's members and their roles",
        security,
        params: roomParams,
        response: { 200: z.object({ items: z.array(memberSchema) }) },
      },
    },
    async (request) => ({
      items: (await hub.listMembers(hubCtxOf(request), request.params.id)).map(presentMember),
    }),
  );

  app.put(
    '/rooms/:id/members/:member_id',
    {
      preHandler: manager,
      schema: {
        tags,
        summary: 'Add a user or agent of the org to a room, or change its role (201 when added)',
        description: 'Owners and admins. A room keeps at least one owner (409 last_owner).',
        security,
        params: memberParams,
        body: memberBody,
        response: { 200: memberSchema, 201: memberSchema },
      },
    },
    async (request, reply) => {
      const { id, member_id } = request.params;
      const { member, created } = await hub.putMember(hubCtxOf(request), id, member_id, request.body.role);
      return reply.code(created ? 201 : 200).send(presentMember(member));
    },
  );

  app.delete(
    '/rooms/:id/members/:member_id',
    {
      preHandler: anyone,
      schema: {
        tags,
        summary: 'Remove a member (owners and admins), or leave (your own id)',
        security,
        params: memberParams,
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      await hub.removeMember(hubCtxOf(request), request.params.id, request.params.member_id);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/rooms/:id/join',
    {
      preHandler: anyone,
      schema: {
        tags,
        summary: 'Join a public room as a member',
        security,
        params: roomParams,
        response: { 200: roomSchema },
      },
    },
    async (request) => hub.join(hubCtxOf(request), request.params.id),
  );

  app.post(
    '/rooms/:id/leave',
    {
      preHandler: anyone,
      schema: {
        tags,
        summary: 'Leave a room',
        security,
        params: roomParams,
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      await hub.leave(hubCtxOf(request), request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/rooms/:id/messages',
    {
      preHandler: anyone,
      schema: {
        tags,
        summary: 'History, ascending by seq: after after_seq, or the last before before_seq (or the newest)',
        security,
        params: roomParams,
        querystring: historyQuery,
        response: { 200: history },
      },
    },
    async (request) => hub.history(hubCtxOf(request), request.params.id, request.query),
  );

  app.get(
    '/rooms/:id/messages/search',
    {
      preHandler: anyone,
      schema: {
        tags,
        summary: "Full-text search over the room's live messages, best match first",
        security,
        params: roomParams,
        querystring: searchQuery,
        response: { 200: z.object({ items: z.array(messageSchema) }) },
      },
    },
    async (request) => hub.search(hubCtxOf(request), request.params.id, request.query),
  );

  app.post(
    '/rooms/:id/messages',
    {
      preHandler: anyone,
      bodyLimit,
      schema: {
        tags,
        summary: 'Post a message (200 with the stored one when client_msg_id was already used)',
        security,
        params: roomParams,
        body: sendBody,
        response: { 200: messageSchema, 201: messageSchema },
      },
    },
    async (request, reply) => {
      const { message, duplicate } = await hub.send(
        hubCtxOf(request),
        request.params.id,
        request.body,
        'http',
      );
      return reply.code(duplicate ? 200 : 201).send(message);
    },
  );

  app.patch(
    '/rooms/:id/messages/:msg_id',
    {
      preHandler: anyone,
      bodyLimit,
      schema: {
        tags,
        summary: 'Edit your message',
        security,
        params: messageParams,
        body: editBody,
        response: { 200: messageSchema },
      },
    },
    async (request) => hub.edit(hubCtxOf(request), request.params.id, request.params.msg_id, request.body),
  );

  app.delete(
    '/rooms/:id/messages/:msg_id',
    {
      preHandler: anyone,
      schema: {
        tags,
        summary: 'Delete a message (the sender, owners, admins): it stays as a tombstone',
        security,
        params: messageParams,
        response: { 200: messageSchema },
      },
    },
    async (request) => hub.remove(hubCtxOf(request), request.params.id, request.params.msg_id),
  );
}
