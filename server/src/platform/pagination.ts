import { z } from 'zod';
import { badRequest } from './errors.js';

/** `?limit=&cursor=` for every list route. */
export const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(300).optional(),
});

export const pageOf = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), next_cursor: z.string().nullable() });

/** Cursors are opaque to clients: the last row's sort key, base64url-encoded. */
export function decodeCursor(cursor: string | undefined): string | undefined {
  if (cursor === undefined) return undefined;
  const key = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^[a-z]{2,4}_[0-9a-z]{26}$/.test(key)) throw badRequest('invalid_cursor', 'The cursor is not valid');
  return key;
}

/** Cuts a `limit + 1` fetch into a page and the cursor of the next one. */
export function toPage<T>(rows: T[], limit: number, key: (row: T) => string) {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return {
    items,
    next_cursor: rows.length > limit && last ? Buffer.from(key(last)).toString('base64url') : null,
  };
}
