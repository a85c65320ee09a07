import { sql } from 'kysely';
import type { Trx } from '../../platform/db/database.js';
import type { Role } from '../../platform/db/tables.js';
import { agentsRepo } from '../agents/repo.js';
import type { Agent } from '../agents/tables.js';
import { newPasswordSchema } from '../auth/schema.js';
import { credentialsRepo } from '../credentials/repo.js';
import { statusOf } from '../credentials/service.js';
import type { Credential } from '../credentials/tables.js';
import { keysRepo } from '../keys/repo.js';
import { orgsRepo } from '../orgs/repo.js';
import { passwords } from '../users/passwords.js';

const PAGE = 500;

/** A credential that still authenticates (not revoked, not expired), with its last rotation. */
export type LiveCredential = Credential & { rotated_at: Date | null };

/** What the controls judge: the org's live state, read in one tenant transaction. */
export interface OrgFacts {
  /** Agents that are not archived. */
  agents: Agent[];
  credentials: LiveCredential[];
  members: { id: string; role: Role }[];
  /** The key signing the org's tokens now; null before its first token. */
  signingKey: { kid: string; alg: string; created_at: Date } | null;
}

async function agentsOf(trx: Trx, orgId: string): Promise<Agent[]> {
  const all: Agent[] = [];
  for (let after: string | undefined; ; ) {
    const page = await agentsRepo.list(trx, orgId, { after, limit: PAGE });
    all.push(...page);
    if (page.length < PAGE) return all;
    after = page.at(-1)?.id;
  }
}

async function credentialsOf(trx: Trx, orgId: string, agentId: string): Promise<Credential[]> {
  const all: Credential[] = [];
  for (let after: string | undefined; ; ) {
    const page = await credentialsRepo.listOfAgent(trx, orgId, agentId, { after, limit: PAGE });
    all.push(...page);
    if (page.length < PAGE) return all;
    after = page.at(-1)?.id;
  }
}

/**
 * When each credential was last rotated. Rotation keeps a credential's id and created_at and
 * the row keeps no rotation time, so the audit log's `credential.rotated` records are the source.
 */
async function lastRotations(trx: Trx, orgId: string): Promise<Map<string, Date>> {
  const rows = await sql<{ id: string; at: Date }>`select target_id as id, max(at) as at
    from audit_events where org_id = ${orgId} and action = 'credential.rotated'
    group by target_id`.execute(trx);
  return new Map(rows.rows.map((r) => [r.id, r.at]));
}

export async function readOrgFacts(trx: Trx, orgId: string, now: Date): Promise<OrgFacts> {
  const agents = await agentsOf(trx, orgId);
  const rotations = await lastRotations(trx, orgId);
  const credentials: LiveCredential[] = [];
  // One query per agent: the credentials repo lists by agent, and this report is cached.
  for (const agent of agents) {
    for (const c of await credentialsOf(trx, orgId, agent.id)) {
      const status = statusOf(c, now);
      if (status === 'active' || status === 'rotating') {
        credentials.push({ ...c, rotated_at: rotations.get(c.id) ?? null });
      }
    }
  }
  const members = await orgsRepo.members(trx, orgId).orderBy('u.id').execute();
  // Newest activation first: the signing key is the first already active, as the keys service says.
  const keys = await keysRepo.ofOrg(trx, orgId);
  const signing = keys.find((k) => k.activates_at <= now) ?? keys[0];
  return {
    agents,
    credentials,
    members: members.map((m) => ({ id: m.id, role: m.role })),
    signingKey: signing ? { kid: signing.kid, alg: signing.alg, created_at: signing.created_at } : null,
  };
}

/** The installation's password rules: Gatehouse has no per-org password policy. */
export interface PasswordRules {
  minLength: number;
  hash: { algorithm: string; memoryKib: number; timeCost: number; parallelism: number };
}

let rules: Promise<PasswordRules> | undefined;
/**
 * Read from what the code does, not restated: the length from the schema every new password
 * passes, the Argon2 parameters from a hash made the way passwords are hashed (PHC string).
 */
export function passwordRules(): Promise<PasswordRules> {
  rules ??= passwords.hash('gatehouse-compliance-probe').then((phc) => {
    const [, algorithm = '', , params = ''] = phc.split('$');
    const p = Object.fromEntries(params.split(',').map((kv) => kv.split('=') as [string, string]));
    return {
      minLength: newPasswordSchema.minLength ?? 0,
      hash: {
        algorithm,
        memoryKib: Number(p.m ?? 0),
        timeCost: Number(p.t ?? 0),
        parallelism: Number(p.p ?? 0),
      },
    };
  });
  return rules;
}
