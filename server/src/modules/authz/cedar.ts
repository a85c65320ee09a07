import type * as Cedar from '@cedar-policy/cedar-wasm/nodejs';
import { ACTIONS, RESOURCE_TYPES } from './catalogue.js';

/**
 * The Cedar schema every org's policies are validated against: the principal is an Agent, each
 * action applies to its kind of resource, and the context is the same for all.
 */
export const SCHEMA_TEXT = `// Gatehouse authorization schema (docs/authorization.md)
type RequestContext = {
  "now": Long,              // unix seconds
  "hour": Long,             // 0-23, UTC
  "weekday": Long,          // 0 = Sunday, UTC
  "ip"?: ipaddr,            // the caller's address, when known
  "delegation_depth": Long, // actors in the token's act chain (0: the agent acts as itself)
  "actors": Set<String>,    // those actors' ids, outermost first
  "scopes": Set<String>,    // the token's scopes
  "method"?: String,        // for gateway calls: the HTTP method
  "path"?: String,          // for gateway calls: the upstream path
};
entity Agent = {
  "name": String,
  "skills": Set<String>,
  "tags": Set<String>,
  "trust_score": Long,
};
entity ${RESOURCE_TYPES.filter((t) => t !== 'Agent').join(', ')} = {
  "name"?: String,
  "tags"?: Set<String>,
};
${Object.entries(ACTIONS)
  .map(
    ([name, a]) =>
      `action "${name}" appliesTo { principal: Agent, resource: ${a.resource}, context: RequestContext };`,
  )
  .join('\n')}
`;

let cedar: typeof Cedar | undefined;

/**
 * Loads Cedar (~15 MB of WebAssembly) on first use, so a process that never decides (the CLI, a
 * long export) does not carry it. Every path to the functions below awaits it first.
 */
export async function loadCedar(): Promise<void> {
  if (cedar) return;
  const loaded = await import('@cedar-policy/cedar-wasm/nodejs');
  const parsed = loaded.checkParseSchema(SCHEMA_TEXT);
  if (parsed.type !== 'success') {
    throw new Error(`authz schema: ${parsed.errors.map((e) => e.message).join('; ')}`);
  }
  cedar = loaded;
}

function engine(): typeof Cedar {
  if (!cedar) throw new Error('Cedar is not loaded yet: await loadCedar() first');
  return cedar;
}

/** Everyone starts here: capabilities decide, and nothing further restricts them. */
export const DEFAULT_POLICIES = `// Allows whatever the agent's skills allow. Replace it with narrower permits, or add forbids.
@id("default-permit")
permit (principal, action, resource);
`;

export interface PolicyProblem {
  message: string;
  help?: string;
  /** 1-based, in the text as submitted. */
  line?: number;
  column?: number;
  policy_id?: string;
}

function position(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}

function problemsOf(
  text: string,
  errors: Cedar.DetailedError[],
  base = 0,
  policyId?: string,
): PolicyProblem[] {
  return errors.map((e) => {
    const at = e.sourceLocations?.[0];
    return {
      message: e.message,
      ...(e.help ? { help: e.help } : {}),
      ...(at ? position(text, base + at.start) : {}),
      ...(policyId ? { policy_id: policyId } : {}),
    };
  });
}

/** Policies as Cedar will hold them: each under its `@id` or its position (`policy0`, …). */
export interface ParsedPolicies {
  policies: Record<string, string>;
  summary: { id: string; effect: 'permit' | 'forbid' }[];
}

/**
 * Parses and validates a policy set against the schema, strictly; returns the problems with
 * line and column in `text`, or the policies keyed by id.
 */
export function checkPolicies(
  text: string,
): { ok: true; parsed: ParsedPolicies } | { ok: false; problems: PolicyProblem[] } {
  const parts = engine().policySetTextToParts(text);
  if (parts.type !== 'success') return { ok: false, problems: problemsOf(text, parts.errors) };
  if (parts.policy_templates.length) {
    return { ok: false, problems: [{ message: 'templates are not supported; write static policies' }] };
  }
  const policies: Record<string, string> = {};
  const summary: ParsedPolicies['summary'] = [];
  const problems: PolicyProblem[] = [];
  let from = 0;
  parts.policies.forEach((policy, i) => {
    // Parts come back in order, as written: locate each to report positions in the whole text.
    const json = engine().policyToJson(policy);
    if (json.type !== 'success') {
      problems.push(...problemsOf(text, json.errors));
      return;
    }
    const id = json.json.annotations?.id ?? `policy${i}`;
    if (Object.hasOwn(policies, id))
      problems.push({ message: `two policies have the id "${id}"`, policy_id: id });
    policies[id] = policy;
    summary.push({ id, effect: json.json.effect });
    from = Math.max(from, text.indexOf(policy.trim().slice(0, 20), from));
  });
  if (problems.length) return { ok: false, problems };
  const validation = engine().validate({
    validationSettings: { mode: 'strict' },
    schema: SCHEMA_TEXT,
    policies: { staticPolicies: policies },
  });
  if (validation.type !== 'success') return { ok: false, problems: problemsOf(text, validation.errors) };
  for (const e of validation.validationErrors) {
    const policyText = policies[e.policyId] ?? '';
    const base = Math.max(0, text.indexOf(policyText));
    problems.push(...problemsOf(text, [e.error], base, e.policyId));
  }
  return problems.length ? { ok: false, problems } : { ok: true, parsed: { policies, summary } };
}

/** Parses `policies` once into Cedar's cache under `id`, for `decide`. */
export function prepare(id: string, policies: Record<string, string>): void {
  const answer = engine().preparsePolicySet(id, { staticPolicies: policies });
  if (answer.type !== 'success')
    throw new Error(`policy set ${id}: ${answer.errors.map((e) => e.message).join('; ')}`);
}

export type Entity = Cedar.EntityJson;
export type CedarContext = Cedar.Context;

export interface CedarDecision {
  allowed: boolean;
  /** The policies that decided: the permits that allowed, or the forbids that denied. */
  policies: string[];
  errors: string[];
}

/** One decision against a prepared policy set. */
export function decide(
  policySetId: string,
  request: {
    principal: Cedar.EntityUid;
    action: string;
    resource: Cedar.EntityUid;
    context: CedarContext;
    entities: Entity[];
  },
): CedarDecision {
  const answer = engine().statefulIsAuthorized({
    principal: request.principal,
    action: { type: 'Action', id: request.action },
    resource: request.resource,
    context: request.context,
    entities: request.entities,
    preparsedPolicySetId: policySetId,
    // The request is ours, built to the schema; validating it again would cost each decision.
    validateRequest: false,
  });
  if (answer.type !== 'success')
    return { allowed: false, policies: [], errors: answer.errors.map((e) => e.message) };
  const { decision, diagnostics } = answer.response;
  return {
    allowed: decision === 'allow',
    policies: diagnostics.reason,
    errors: diagnostics.errors.map((e) => `${e.policyId}: ${e.error.message}`),
  };
}
