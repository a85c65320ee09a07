import type { Logger } from 'pino';
import type { Clock } from '../../platform/clock.js';
import { actorOf, type Ctx, type Principal, userIdOf } from '../../platform/context.js';
import type { Db } from '../../platform/db/database.js';
import { AppError, notFound } from '../../platform/errors.js';
import { createCoherentCache } from '../../platform/store/coherent-cache.js';
import type { EphemeralStore } from '../../platform/store/store.js';
import type { AuditService } from '../audit/service.js';
import {
  checkPolicies,
  DEFAULT_POLICIES,
  loadCedar,
  type ParsedPolicies,
  type PolicyProblem,
  prepare,
} from './cedar.js';

interface Deps {
  db: Db;
  store: EphemeralStore;
  log: Logger;
  clock: Clock;
  audit: AuditService;
  onChange(orgId: string): Promise<void>;
}

/** The policy set in force in an org, parsed and prepared for Cedar under `setId`. */
export interface ActivePolicies {
  /** 0: the built-in default, before the org saved any. */
  version: number;
  setId: string;
  text: string;
  summary: ParsedPolicies['summary'];
}

export interface PolicyVersionView {
  version: number;
  text: string;
  note: string;
  created_by: string | null;
  created_at: string;
  policies: ParsedPolicies['summary'];
}

/** 422 with every problem, each with its line and column in the submitted text. */
export const invalidPolicy = (problems: PolicyProblem[]) =>
  new AppError(
    422,
    'invalid_policy',
    `The policy set is not valid: ${problems[0]?.message ?? 'unknown problem'}`,
    {
      errors: problems.map((p) => ({
        field: 'body.text',
        message: [p.policy_id ? `policy ${p.policy_id}: ` : '', p.message, p.help ? ` (${p.help})` : ''].join(
          '',
        ),
        ...(p.line === undefined ? {} : { line: p.line, column: p.column as number }),
      })),
    },
  );

function parseOrThrow(text: string): ParsedPolicies {
  const checked = checkPolicies(text);
  if (!checked.ok) throw invalidPolicy(checked.problems);
  return checked.parsed;
}

let parsedDefault: ParsedPolicies | undefined;

/** Each org's Cedar policy set, versioned: saving validates and adds a version. */
export function createPolicyService(deps: Deps) {
  const { db, clock, audit } = deps;
  const prepared = new Set<string>();

  function activate(orgId: string, version: number, text: string, parsed: ParsedPolicies): ActivePolicies {
    const setId = `${orgId}@${version}`;
    if (!prepared.has(setId)) {
      prepare(setId, parsed.policies);
      prepared.add(setId);
    }
    return { version, setId, text, summary: parsed.summary };
  }

  const active = createCoherentCache<ActivePolicies>({
    ...deps,
    channel: 'authz.policies.changed',
    load: async (orgId) => {
      await loadCedar();
      const row = await db.tenant(orgId, (trx) =>
        trx
          .selectFrom('authz_policy_versions')
          .select(['version', 'text'])
          .where('org_id', '=', orgId)
          .orderBy('version', 'desc')
          .limit(1)
          .executeTakeFirst(),
      );
      if (!row) {
        parsedDefault ??= parseOrThrow(DEFAULT_POLICIES);
        return activate(orgId, 0, DEFAULT_POLICIES, parsedDefault);
      }
      return activate(orgId, row.version, row.text, parseOrThrow(row.text));
    },
  });

  const view = (r: {
    version: number;
    text: string;
    note: string;
    created_by: string | null;
    created_at: Date;
  }) => ({
    version: r.version,
    text: r.text,
    note: r.note,
    created_by: r.created_by,
    created_at: r.created_at.toISOString(),
    policies: parseOrThrow(r.text).summary,
  });

  return {
    /** The set in force, prepared (from memory while fresh). */
    async current(orgId: string): Promise<ActivePolicies> {
      return (await active.get(orgId)) as ActivePolicies;
    },

    /** Parses and validates a draft without saving it; prepared under a throwaway id for simulation. */
    async draft(orgId: string, text: string): Promise<ActivePolicies> {
      await loadCedar();
      const parsed = parseOrThrow(text);
      const setId = `${orgId}@draft`;
      prepare(setId, parsed.policies);
      return { version: -1, setId, text, summary: parsed.summary };
    },

    async save(ctx: Ctx<Principal>, text: string, note = ''): Promise<PolicyVersionView> {
      await loadCedar();
      const orgId = ctx.principal.orgId;
      const parsed = parseOrThrow(text);
      const saved = await db.tenant(orgId, async (trx) => {
        // One version at a time: a concurrent save waits here and numbers after this one.
        await trx.selectFrom('orgs').select('id').where('id', '=', orgId).forUpdate().execute();
        const last = await trx
          .selectFrom('authz_policy_versions')
          .select((eb) => eb.fn.max('version').as('v'))
          .where('org_id', '=', orgId)
          .executeTakeFirst();
        const version = Number(last?.v ?? 0) + 1;
        const row = await trx
          .insertInto('authz_policy_versions')
          .values({
            org_id: orgId,
            version,
            text,
            note,
            created_by: userIdOf(ctx.principal),
            created_at: clock.now(),
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        await audit.record(trx, {
          orgId,
          actor: actorOf(ctx.principal),
          action: 'policy.saved',
          target: { type: 'policy_set', id: `${orgId}@${version}` },
          details: { version, note, policies: parsed.summary.map((p) => `${p.effect}:${p.id}`) },
          meta: ctx.meta,
        });
        return row;
      });
      await active.changed([orgId]);
      await deps.onChange(orgId);
      return view(saved);
    },

    async versions(ctx: Ctx<Principal>): Promise<PolicyVersionView[]> {
      await loadCedar();
      const orgId = ctx.principal.orgId;
      const rows = await db.tenant(orgId, (trx) =>
        trx
          .selectFrom('authz_policy_versions')
          .selectAll()
          .where('org_id', '=', orgId)
          .orderBy('version', 'desc')
          .execute(),
      );
      return rows.map(view);
    },

    async version(ctx: Ctx<Principal>, version: number): Promise<PolicyVersionView> {
      await loadCedar();
      const orgId = ctx.principal.orgId;
      const row = await db.tenant(orgId, (trx) =>
        trx
          .selectFrom('authz_policy_versions')
          .selectAll()
          .where('org_id', '=', orgId)
          .where('version', '=', version)
          .executeTakeFirst(),
      );
      if (!row) throw notFound('Policy version');
      return view(row);
    },

    start: () => active.start(),
    stop: () => active.stop(),
  };
}
export type PolicyService = ReturnType<typeof createPolicyService>;
