import { z } from 'zod';
import { ROLES } from '../../platform/context.js';
import type { Org, Role } from '../../platform/db/tables.js';

export const roleSchema = z.enum(ROLES);
export const idParam = (prefix: string) =>
  z.object({ id: z.string().regex(new RegExp(`^${prefix}_[0-9a-z]{26}$`), `must be a ${prefix}_ id`) });

export const orgSchema = z.object({
  id: z.string(),
  name: z.string(),
  slug: z.string(),
  created_at: z.string(),
});
export const presentOrg = (o: Org) => ({
  id: o.id,
  name: o.name,
  slug: o.slug,
  created_at: o.created_at.toISOString(),
});

export const createOrgBody = z
  .object({
    name: z.string().trim().min(1).max(200),
    slug: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lowercase letters, digits and dashes, up to 63')
      .optional(),
  })
  .strict();
export const updateOrgBody = z.object({ name: z.string().trim().min(1).max(200) }).strict();

export const memberSchema = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  role: roleSchema,
  joined_at: z.string(),
  last_login_at: z.string().nullable(),
});
export const presentMember = (m: {
  id: string;
  email: string;
  name: string;
  role: Role;
  joined_at: Date;
  last_login_at: Date | null;
}) => ({
  id: m.id,
  email: m.email,
  name: m.name,
  role: m.role,
  joined_at: m.joined_at.toISOString(),
  last_login_at: m.last_login_at?.toISOString() ?? null,
});
export const updateMemberBody = z.object({ role: roleSchema }).strict();
