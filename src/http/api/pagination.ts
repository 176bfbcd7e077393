import { z } from 'zod';

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

/** A list request as the API takes it: the cursor is the opaque `next_cursor` of the previous page. */
export type PageQuery = z.output<typeof pageQuerySchema>;
