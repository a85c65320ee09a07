import { z } from 'zod';
import { idParam } from '../orgs/schema.js';
import type { Resource } from './tables.js';
import { RESOURCE_URI_MAX, resourceUriProblem } from './uri.js';

const uri = z
  .string()
  .max(RESOURCE_URI_MAX)
  .superRefine((value, ctx) => {
    // Too long is already reported by max(); say it once.
    const problem = value.length <= RESOURCE_URI_MAX && resourceUriProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });
const name = z.string().trim().min(1).max(200);
const description = z.string().max(2000);

export const createResourceBody = z.object({ uri, name, description: description.optional() }).strict();
export type CreateResourceInput = z.infer<typeof createResourceBody>;

// The URI is the resource's identity (tokens name it in `aud`): to change it, register another.
export const updateResourceBody = z
  .object({ name: name.optional(), description: description.optional() })
  .strict();
export type UpdateResourceInput = z.infer<typeof updateResourceBody>;

export const resourceParams = idParam('res');

export const resourceSchema = z.object({
  id: z.string(),
  uri: z.string(),
  name: z.string(),
  description: z.string(),
  created_by: z.string().nullable(),
  created_at: z.string(),
});

export const presentResource = (r: Resource) => ({
  id: r.id,
  uri: r.uri,
  name: r.name,
  description: r.description,
  created_by: r.created_by,
  created_at: r.created_at.toISOString(),
});
