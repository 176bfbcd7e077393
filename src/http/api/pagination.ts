import { z } from 'zod';
import { parseInput } from '../../x/validation.js';

const MAX_PAGE_SIZE = 200;
const DEFAULT_PAGE_SIZE = 50;

/** `limit` (1-200, default 50) and `cursor` (a `next_cursor` from the previous page) of every list endpoint. */
export const pageQuerySchema = z.object({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_PAGE_SIZE)
    .default(DEFAULT_PAGE_SIZE)
    .describe(`Page size, 1-${MAX_PAGE_SIZE}.`),
  cursor: z.string().min(1).max(512).optional().describe('The next_cursor of the previous page.'),
});

export interface PageRequest {
  readonly limit: number;
  readonly cursor: string | null;
}

/** `limit` and `cursor` from a query string. */
export function parsePageQuery(query: unknown): PageRequest {
  const { limit, cursor } = parseInput(pageQuerySchema, query);
  return { limit, cursor: cursor ?? null };
}
