import { z } from 'zod';
import { parseInput } from '../validation.js';

export const MAX_PAGE_SIZE = 200;
export const DEFAULT_PAGE_SIZE = 50;

const pageQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(DEFAULT_PAGE_SIZE),
  cursor: z.string().min(1).max(512).optional(),
});

export interface PageQuery {
  readonly limit: number;
  readonly cursor: string | null;
}

/** `limit` (1-200, default 50) and `cursor` from a query string. */
export function parsePageQuery(query: unknown): PageQuery {
  const { limit, cursor } = parseInput(pageQuerySchema, query);
  return { limit, cursor: cursor ?? null };
}
