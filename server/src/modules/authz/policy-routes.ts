import { z } from 'zod';
import type { RouteDeps, ZApp } from '../../app.js';
import { actorCtxOf, metaOf, sessionSecurity } from '../../platform/http/auth.js';
import { InvalidToken } from '../oauth/access-tokens.js';
import type { Decision } from './authorize.js';
import { SCHEMA_TEXT } from './cedar.js';
import {
  checkBody,
  currentPoliciesSchema,
  decisionSchema,
  policyVersionSchema,
  savePoliciesBody,
  simulateBody,
  versionParams,
} from './schema.js';

const tags = ['authorization'];
const security = sessionSecurity;

const denied = (action: string, reason: string): Decision => ({
  allowed: false,
  action,
  capability: null,
  reasons: [reason],
  policies: [],
  policy_version: null,
  cached: false,
});

/** The org's policy set and its versions, and the decision APIs (simulate, check). */
export function registerPolicyRoutes(app: ZApp, { services, guards }: RouteDeps) {
  const { policies, authorizer, verifier } = services;
  const read = guards.actor('manager', 'gatehouse:authz.read');
  const write = guards.actor('admin', 'gatehouse:authz.write');
  const check = guards.actor('admin', 'gatehouse:authz.check');

  app.get(
    '/authz/schema',
    {
      preHandler: read,
      schema: {
        tags,
        summary: 'The Cedar schema policies are validated against',
        security,
        response: { 200: z.object({ schema: z.string() }) },
      },
    },
    async () => ({ schema: SCHEMA_TEXT }),
  );

  app.get(
    '/authz/policies',
    {
      preHandler: read,
      schema: {
        tags,
        summary: 'The policy set in force (version 0: the built-in default)',
        security,
        response: { 200: currentPoliciesSchema },
      },
    },
    async (request) => {
      const p = await policies.current(actorCtxOf(request).principal.orgId);
      return { version: p.version, text: p.text, policies: p.summary };
    },
  );

  app.put(
    '/authz/policies',
    {
      preHandler: write,
      schema: {
        tags,
        summary: 'Save a new version of the policy set; an invalid one is refused with line-precise errors',
        security,
        body: savePoliciesBody,
        response: { 201: policyVersionSchema },
      },
    },
    async (request, reply) => {
      const saved = await policies.save(actorCtxOf(request), request.body.text, request.body.note);
      return reply.code(201).send(saved);
    },
  );

  app.get(
    '/authz/policies/versions',
    {
      preHandler: read,
      schema: {
        tags,
        summary: 'Every saved version, newest first',
        security,
        response: { 200: z.object({ items: z.array(policyVersionSchema) }) },
      },
    },
    async (request) => ({ items: await policies.versions(actorCtxOf(request)) }),
  );

  app.get(
    '/authz/policies/versions/:version',
    {
      preHandler: read,
      schema: {
        tags,
        summary: 'One saved version',
        security,
        params: versionParams,
        response: { 200: policyVersionSchema },
      },
    },
    async (request) => policies.version(actorCtxOf(request), request.params.version),
  );

  app.post(
    '/authz/simulate',
    {
      preHandler: read,
      schema: {
        tags,
        summary: 'Would this be allowed, and why? Decides without acting, caching or auditing',
        security,
        body: simulateBody,
        response: { 200: decisionSchema },
      },
    },
    async (request) => {
      const { principal } = actorCtxOf(request);
      const b = request.body;
      const draft = b.policies === undefined ? undefined : await policies.draft(principal.orgId, b.policies);
      return authorizer.authorize(
        { orgId: principal.orgId, agentId: b.agent_id },
        b.action,
        b.resource,
        b.context ?? {},
        {
          audit: false,
          cache: false,
          ...(draft ? { policies: draft } : {}),
        },
      );
    },
  );

  app.post(
    '/authz/check',
    {
      preHandler: check,
      schema: {
        tags,
        summary:
          'The decision API for other gateways: may this token (or agent) do this action on this resource?',
        security,
        body: checkBody,
        response: { 200: decisionSchema },
      },
    },
    async (request) => {
      const orgId = actorCtxOf(request).principal.orgId;
      const b = request.body;
      const options = { meta: metaOf(request) };
      if (b.agent_id !== undefined) {
        return authorizer.authorize(
          { orgId, agentId: b.agent_id },
          b.action,
          b.resource,
          b.context ?? {},
          options,
        );
      }
      let claims: Awaited<ReturnType<typeof verifier.verify>>;
      try {
        claims = await verifier.verify(b.token as string);
      } catch (err) {
        if (err instanceof InvalidToken) return denied(b.action, `invalid_token:${err.reason}`);
        throw err;
      }
      // Another org's token is as good as none here: the caller learns nothing about it.
      if (claims.org_id !== orgId) return denied(b.action, 'invalid_token:not issued in this organization');
      if (!claims.sub.startsWith('agt_')) return denied(b.action, 'agent_token_required');
      return authorizer.authorize(
        {
          orgId,
          agentId: claims.sub,
          tokenId: claims.jti,
          scopes: claims.scope.split(' ').filter(Boolean),
          ...(claims.act ? { act: claims.act } : {}),
        },
        b.action,
        b.resource,
        b.context ?? {},
        options,
      );
    },
  );
}
