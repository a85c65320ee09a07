import { z } from 'zod';
import type { RouteDeps, ZApp } from '../../app.js';
import { ctxOf, metaOf, sessionSecurity } from '../../platform/http/auth.js';
import { pageOf, pageQuery } from '../../platform/pagination.js';
import { loginResponse } from '../auth/schema.js';
import { respondSignedIn } from '../auth/signed-in.js';
import { idParam } from '../orgs/schema.js';
import {
  acceptBody,
  createdInvitationSchema,
  createInvitationBody,
  inspectResponse,
  invitationSchema,
  presentInvitation,
  tokenBody,
} from './schema.js';

const tags = ['invitations'];

export function registerInvitationRoutes(app: ZApp, { services, guards, config }: RouteDeps) {
  const { invitations, auth } = services;

  app.post(
    '/invitations',
    {
      preHandler: guards.user('admin'),
      schema: {
        tags,
        summary: 'Invite an email with a role; the link in the answer is shown once',
        security: sessionSecurity,
        body: createInvitationBody,
        response: { 201: createdInvitationSchema },
      },
    },
    async (request, reply) => {
      const inv = await invitations.create(ctxOf(request), request.body);
      return reply
        .code(201)
        .send({ ...presentInvitation(inv), invite_url: inv.invite_url, token: inv.token });
    },
  );

  app.get(
    '/invitations',
    {
      preHandler: guards.user('manager'),
      schema: {
        tags,
        summary: 'Pending invitations',
        security: sessionSecurity,
        querystring: pageQuery.strict(),
        response: { 200: pageOf(invitationSchema) },
      },
    },
    async (request) => {
      const page = await invitations.list(ctxOf(request), request.query);
      return { ...page, items: page.items.map(presentInvitation) };
    },
  );

  app.delete(
    '/invitations/:id',
    {
      preHandler: guards.user('admin'),
      schema: {
        tags,
        summary: 'Revoke a pending invitation',
        security: sessionSecurity,
        params: idParam('inv'),
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      await invitations.revoke(ctxOf(request), request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/invitations/inspect',
    {
      schema: {
        tags,
        summary: 'What an invitation link is for (public; the token is the credential)',
        body: tokenBody,
        response: { 200: inspectResponse },
      },
    },
    async (request) => {
      const { inv, existingUser } = await invitations.inspect(request.body.token);
      return {
        org: { id: inv.org_id, name: inv.org_name, slug: inv.org_slug },
        email: inv.email,
        role: inv.role,
        expires_at: inv.expires_at.toISOString(),
        existing_user: existingUser,
      };
    },
  );

  app.post(
    '/invitations/accept',
    {
      schema: {
        tags,
        summary: 'Accept an invitation: join the org (creating the account if needed) and sign in',
        body: acceptBody,
        response: { 200: loginResponse },
      },
    },
    async (request, reply) => {
      const meta = metaOf(request);
      const { token, password, name } = request.body;
      const { user, orgId } = await invitations.accept({ token, password, ...(name ? { name } : {}) }, meta);
      return respondSignedIn(reply, { auth, config }, await auth.openSession(user.id, orgId, meta));
    },
  );
}
