import { z } from 'zod';
import { emailSchema, newPasswordSchema } from '../auth/schema.js';
import { roleSchema } from '../orgs/schema.js';

export const createInvitationBody = z.object({ email: emailSchema, role: roleSchema }).strict();
export const tokenBody = z.object({ token: z.string().min(1).max(200) }).strict();
export const acceptBody = z
  .object({
    token: z.string().min(1).max(200),
    password: newPasswordSchema,
    name: z.string().trim().max(200).optional(),
  })
  .strict();

export const invitationSchema = z.object({
  id: z.string(),
  email: z.string(),
  role: roleSchema,
  created_at: z.string(),
  expires_at: z.string(),
  invited_by: z.string().nullable(),
});
export const createdInvitationSchema = invitationSchema.extend({ invite_url: z.string(), token: z.string() });

export const inspectResponse = z.object({
  org: z.object({ id: z.string(), name: z.string(), slug: z.string() }),
  email: z.string(),
  role: roleSchema,
  expires_at: z.string(),
  existing_user: z.boolean(),
});

export const presentInvitation = (i: {
  id: string;
  email: string;
  role: z.infer<typeof roleSchema>;
  created_at: Date;
  expires_at: Date;
  invited_by: string | null;
}) => ({
  id: i.id,
  email: i.email,
  role: i.role,
  created_at: i.created_at.toISOString(),
  expires_at: i.expires_at.toISOString(),
  invited_by: i.invited_by,
});
