import { z } from 'zod';
import type { RouteDeps, ZApp } from '../../app.js';
import { clearSessionCookie, ctxOf, metaOf, sessionSecurity } from '../../platform/http/auth.js';
import { idParam } from '../orgs/schema.js';
import {
  changePasswordBody,
  loginBody,
  loginResponse,
  presentSession,
  sessionItem,
  sessionView,
  switchOrgBody,
} from './schema.js';
import { respondSignedIn } from './signed-in.js';

const tags = ['auth'];

export function registerAuthRoutes(app: ZApp, { services, guards, config }: RouteDeps) {
  const { auth } = services;

  app.post(
    '/auth/login',
    {
      schema: {
        tags,
        summary: 'Sign in with email and password',
        description: 'Failed attempts are throttled per account and per client IP (429 with Retry-After).',
        body: loginBody,
        response: { 200: loginResponse },
      },
    },
    async (request, reply) => {
      const { email, password, org_id } = request.body;
      const opened = await auth.login(
        { email, password, ...(org_id ? { orgId: org_id } : {}) },
        metaOf(request),
      );
      return respondSignedIn(reply, { auth, config }, opened);
    },
  );

  app.post(
    '/auth/logout',
    {
      preHandler: guards.user(),
      schema: {
        tags,
        summary: 'End the current session',
        security: sessionSecurity,
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      const { principal, meta } = ctxOf(request);
      await auth.revoke(principal, principal.sessionId, meta);
      clearSessionCookie(reply);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/auth/session',
    {
      preHandler: guards.user(),
      schema: {
        tags,
        summary: 'Who is signed in, and where',
        security: sessionSecurity,
        response: { 200: sessionView },
      },
    },
    async (request) => {
      const { principal } = ctxOf(request);
      return presentSession(await auth.describe(principal), {
        id: principal.sessionId,
        expiresAt: principal.expiresAt,
      });
    },
  );

  app.put(
    '/auth/session/org',
    {
      preHandler: guards.user(),
      schema: {
        tags,
        summary: 'Switch the session to another organization the user belongs to',
        security: sessionSecurity,
        body: switchOrgBody,
        response: { 200: sessionView },
      },
    },
    async (request) => {
      const { principal, meta } = ctxOf(request);
      const switched = await auth.switchOrg(principal, request.body.org_id, meta);
      return presentSession(await auth.describe(switched), {
        id: switched.sessionId,
        expiresAt: switched.expiresAt,
      });
    },
  );

  app.post(
    '/auth/password',
    {
      preHandler: guards.user(),
      schema: {
        tags,
        summary: 'Change your password; your other sessions end',
        description: 'The current password is checked like a login: throttled, failures audited.',
        security: sessionSecurity,
        body: changePasswordBody,
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      const { principal, meta } = ctxOf(request);
      const { current_password, new_password } = request.body;
      await auth.changePassword(
        principal,
        { currentPassword: current_password, newPassword: new_password },
        meta,
      );
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/auth/sessions',
    {
      preHandler: guards.user(),
      schema: {
        tags,
        summary: "The signed-in user's live sessions",
        security: sessionSecurity,
        response: { 200: z.object({ items: z.array(sessionItem) }) },
      },
    },
    async (request) => {
      const { principal } = ctxOf(request);
      const rows = await auth.listSessions(principal);
      return {
        items: rows.map((s) => ({
          ...s,
          created_at: s.created_at.toISOString(),
          last_seen_at: s.last_seen_at.toISOString(),
          expires_at: s.expires_at.toISOString(),
          current: s.id === principal.sessionId,
        })),
      };
    },
  );

  app.delete(
    '/auth/sessions/:id',
    {
      preHandler: guards.user(),
      schema: {
        tags,
        summary: 'End one of your sessions',
        security: sessionSecurity,
        params: idParam('ses'),
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      const { principal, meta } = ctxOf(request);
      await auth.revoke(principal, request.params.id, meta);
      if (request.params.id === principal.sessionId) clearSessionCookie(reply);
      return reply.code(204).send(null);
    },
  );
}
