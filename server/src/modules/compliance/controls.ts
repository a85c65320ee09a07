import type { Agent } from '../agents/tables.js';
import type { LiveCredential, OrgFacts, PasswordRules } from './facts.js';

export type ControlStatus = 'pass' | 'fail' | 'not_applicable';

export interface ControlResult {
  id: string;
  title: string;
  status: ControlStatus;
  evidence: Record<string, unknown>;
  remediation: string;
}

/** The policy values controls judge against (config, docs/compliance.md). */
export interface Policy {
  credentialMaxAgeDays: number;
  credentialMaxIdleDays: number;
  tokenTtlPolicySeconds: number;
  maxAdmins: number;
  /** config.keys.rotationDays; 0 (scheduled rotation off) is judged against 90 days. */
  keyRotationDays: number;
  loginMaxFailuresPerAccount: number;
}

/** Everything a control looks at. */
export interface Inputs {
  now: Date;
  policy: Policy;
  facts: OrgFacts;
  chain: { ok: boolean; message: string; last_seq: number | null; break: unknown };
  passwords: PasswordRules;
}

/** The floors the installation's password rules are held to (docs/compliance.md says why). */
export const PASSWORD_FLOOR = {
  minLength: 12,
  algorithm: 'argon2id',
  memoryKib: 19_456,
  timeCost: 2,
  maxFailuresPerAccount: 100,
};

const DAY_MS = 86_400_000;
const DEFAULT_KEY_ROTATION_DAYS = 90;

const daysBetween = (from: Date, to: Date) =>
  Math.max(0, Math.floor((to.getTime() - from.getTime()) / DAY_MS));
const agentRef = (a: Agent) => ({ agent_id: a.id, name: a.name, display_name: a.display_name });
const credentialRef = (c: LiveCredential) => ({ credential_id: c.id, agent_id: c.agent_id, type: c.type });

/** Nothing to check is not a pass: it says so. */
const verdict = (checked: number, offending: number): ControlStatus =>
  checked === 0 ? 'not_applicable' : offending ? 'fail' : 'pass';

type Check = (i: Inputs) => Pick<ControlResult, 'status' | 'evidence'>;

interface Control {
  id: string;
  title: string;
  remediation: string;
  check: Check;
}

const CONTROLS: Control[] = [
  {
    id: 'CC6.1-credential-age',
    title: 'Agent credentials are rotated within the rotation policy',
    remediation:
      'Rotate each listed credential (POST /v1/agents/{id}/credentials/{credential_id}/rotate) or revoke it.',
    check: ({ now, policy, facts }) => {
      const aged = facts.credentials.map((c) => {
        const since = c.rotated_at && c.rotated_at > c.created_at ? c.rotated_at : c.created_at;
        return { ...credentialRef(c), since: since.toISOString(), age_days: daysBetween(since, now) };
      });
      const offending = aged.filter((c) => c.age_days > policy.credentialMaxAgeDays);
      return {
        status: verdict(aged.length, offending.length),
        evidence: { max_age_days: policy.credentialMaxAgeDays, checked: aged.length, offending },
      };
    },
  },
  {
    id: 'CC6.1-token-lifetime',
    title: 'Access token lifetimes are within the policy',
    remediation: 'Lower token_ttl_seconds of each listed agent (PATCH /v1/agents/{id}).',
    check: ({ policy, facts }) => {
      const offending = facts.agents
        .filter((a) => a.token_ttl_seconds > policy.tokenTtlPolicySeconds)
        .map((a) => ({ ...agentRef(a), token_ttl_seconds: a.token_ttl_seconds }));
      return {
        status: verdict(facts.agents.length, offending.length),
        evidence: {
          max_ttl_seconds: policy.tokenTtlPolicySeconds,
          checked: facts.agents.length,
          offending,
        },
      };
    },
  },
  {
    id: 'CC6.1-signing-key-age',
    title: 'The token signing key is rotated within the rotation period',
    remediation:
      'Rotate the signing key (POST /v1/admin/keys/rotate or `gatehouse keys rotate`) and keep GATEHOUSE_KEY_ROTATION_DAYS above 0.',
    check: ({ now, policy, facts }) => {
      const scheduled = policy.keyRotationDays > 0;
      const rotationDays = scheduled ? policy.keyRotationDays : DEFAULT_KEY_ROTATION_DAYS;
      const key = facts.signingKey;
      if (!key) {
        return {
          status: 'not_applicable',
          evidence: { rotation_days: rotationDays, scheduled_rotation: scheduled, key: null },
        };
      }
      const ageDays = daysBetween(key.created_at, now);
      return {
        status: ageDays > rotationDays ? 'fail' : 'pass',
        evidence: {
          rotation_days: rotationDays,
          scheduled_rotation: scheduled,
          key: { kid: key.kid, alg: key.alg, created_at: key.created_at.toISOString(), age_days: ageDays },
        },
      };
    },
  },
  {
    id: 'CC6.1-password-policy',
    title: 'Password rules meet the minimum (installation-wide: there is no per-org password policy)',
    remediation:
      'Password length and hashing are fixed by the installation; keep GATEHOUSE_LOGIN_MAX_FAILURES_PER_ACCOUNT at 100 or fewer.',
    check: ({ policy, passwords }) => {
      const f = PASSWORD_FLOOR;
      const h = passwords.hash;
      const failures = [
        passwords.minLength < f.minLength && 'min_length',
        (h.algorithm !== f.algorithm || h.memoryKib < f.memoryKib || h.timeCost < f.timeCost) && 'hash',
        policy.loginMaxFailuresPerAccount > f.maxFailuresPerAccount && 'login_max_failures_per_account',
      ].filter((x): x is string => typeof x === 'string');
      return {
        status: failures.length ? 'fail' : 'pass',
        evidence: {
          scope: 'installation',
          min_length: passwords.minLength,
          hash: {
            algorithm: h.algorithm,
            memory_kib: h.memoryKib,
            time_cost: h.timeCost,
            parallelism: h.parallelism,
          },
          login_max_failures_per_account: policy.loginMaxFailuresPerAccount,
          required: {
            min_length: f.minLength,
            hash: { algorithm: f.algorithm, memory_kib: f.memoryKib, time_cost: f.timeCost },
            login_max_failures_per_account: f.maxFailuresPerAccount,
          },
          failing: failures,
        },
      };
    },
  },
  {
    id: 'CC6.2-credential-idle',
    title: 'Unused agent credentials are removed',
    remediation: 'Revoke each listed credential (DELETE /v1/agents/{id}/credentials/{credential_id}).',
    check: ({ now, policy, facts }) => {
      const idle = facts.credentials.map((c) => ({
        ...credentialRef(c),
        last_used_at: c.last_used_at?.toISOString() ?? null,
        idle_days: daysBetween(c.last_used_at ?? c.created_at, now),
      }));
      const offending = idle.filter((c) => c.idle_days > policy.credentialMaxIdleDays);
      return {
        status: verdict(idle.length, offending.length),
        evidence: { max_idle_days: policy.credentialMaxIdleDays, checked: idle.length, offending },
      };
    },
  },
  {
    id: 'CC6.2-agent-owner',
    title: 'Every agent has an owner who belongs to the organization',
    remediation:
      'Give each listed agent an owner who is a member (PATCH /v1/agents/{id} with owner), or archive it.',
    check: ({ facts }) => {
      const members = new Set(facts.members.map((m) => m.id));
      const offending = facts.agents
        .filter((a) => !members.has(a.owner_user_id))
        .map((a) => ({ ...agentRef(a), owner_user_id: a.owner_user_id }));
      return {
        status: verdict(facts.agents.length, offending.length),
        evidence: { checked: facts.agents.length, offending },
      };
    },
  },
  {
    id: 'CC6.3-admin-count',
    title: 'Admin access is held by at least one and at most a few people',
    remediation:
      'Keep between 1 and the configured maximum of admins: demote the others (PATCH /v1/users/{id}).',
    check: ({ policy, facts }) => {
      const admins = facts.members.filter((m) => m.role === 'admin').map((m) => m.id);
      return {
        status: admins.length >= 1 && admins.length <= policy.maxAdmins ? 'pass' : 'fail',
        evidence: { count: admins.length, max: policy.maxAdmins, admin_ids: admins },
      };
    },
  },
  {
    id: 'CC7.2-audit-chain',
    title: "The audit log's hash chain verifies",
    remediation:
      'Investigate the break GET /v1/audit/verify names (its seq and kind) and restore the records from a backup or export.',
    check: ({ chain }) => ({
      status: chain.ok ? 'pass' : 'fail',
      evidence: { message: chain.message, last_seq: chain.last_seq, break: chain.break },
    }),
  },
];

/** Every control, judged in a fixed order. */
export function runControls(inputs: Inputs): ControlResult[] {
  return CONTROLS.map(({ id, title, remediation, check }) => ({ id, title, ...check(inputs), remediation }));
}
