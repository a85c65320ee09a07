import { z } from 'zod';
import { ROLES } from '../../platform/context.js';
import type { Role } from '../../platform/db/tables.js';

export const emailSchema = z.email().max(254);
/** For setting a password; checking one accepts any length up to the cap. */
export const newPasswordSchema = z.string().min(12, 'must be at least 12 characters').max(256);

export const loginBody = z
  .object({
    email: emailSchema,
    password: z.string().min(1).max(256),
    org_id: z.string().max(40).optional(),
  })
  .strict();

export const changePasswordBody = z
  .object({ current_password: z.string().min(1).max(256), new_password: newPasswordSchema })
  .strict();

export const switchOrgBody = z.object({ org_id: z.string().max(40) }).strict();

const orgRef = z.object({ id: z.string(), name: z.string(), slug: z.string() });
export const sessionView = z.object({
  user: z.object({ id: z.string(), email: z.string(), name: z.string() }),
  org: orgRef,
  role: z.enum(ROLES),
  orgs: z.array(orgRef.extend({ role: z.enum(ROLES) })),
  session: z.object({ id: z.string(), expires_at: z.string() }),
});
export const loginResponse = sessionView.extend({ token: z.string(), expires_at: z.string() });

export const sessionItem = z.object({
  id: z.string(),
  org_id: z.string(),
  created_at: z.string(),
  last_seen_at: z.string(),
  expires_at: z.string(),
  ip: z.string().nullable(),
  user_agent: z.string().nullable(),
  current: z.boolean(),
});

type OrgRow = { id: string; name: string; slug: string; role: Role };
export function presentSession(
  d: { user: { id: string; email: string; name: string }; org: OrgRow; role: Role; orgs: OrgRow[] },
  session: { id: string; expiresAt: Date },
) {
  const org = ({ id, name, slug }: OrgRow) => ({ id, name, slug });
  return {
    user: { id: d.user.id, email: d.user.email, name: d.user.name },
    org: org(d.org),
    role: d.role,
    orgs: d.orgs.map((o) => ({ ...org(o), role: o.role })),
    session: { id: session.id, expires_at: session.expiresAt.toISOString() },
  };
}
