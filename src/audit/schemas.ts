import { z } from 'zod';
import { pageQuerySchema } from '../http/api/pagination.js';

const instant = z.iso
  .datetime({ offset: true, error: 'expected an ISO 8601 date-time with a time zone, e.g. 2026-11-24T09:30:00Z' })
  .transform((text) => new Date(text));

/**
 * GET /api/v1/audit-events. Unknown parameters are refused: a misspelt filter would otherwise quietly
 * return every event.
 */
export const auditQuerySchema = pageQuerySchema
  .extend({
    type: z
      .string()
      .regex(/^[a-z][a-z0-9_.-]{0,63}$/, 'expected an event type such as token.denied')
      .optional()
      .describe('Exact event type, e.g. token.denied.'),
    client_id: z.string().min(1).max(256).optional().describe('Events about this client.'),
    organization_id: z
      .string()
      .min(1)
      .max(128)
      .optional()
      .describe("Events about this organization; org-admins always see only their own organization's."),
    since: instant.optional().describe('Events at or after this time (ISO 8601 with a time zone).'),
    until: instant.optional().describe('Events before this time; must be later than since.'),
  })
  .strict()
  .refine((query) => !query.since || !query.until || query.since < query.until, {
    path: ['until'],
    message: 'must be later than since',
  });

export const auditEventSchema = z.object({
  id: z.uuid(),
  at: z.iso.datetime(),
  type: z.string(),
  actor: z
    .string()
    .nullable()
    .describe('The acting client, `cli`, `bootstrap`, `system`, or null when nobody authenticated.'),
  client_id: z.string().nullable(),
  organization_id: z.string().nullable(),
  ip: z.string().nullable(),
  request_id: z.string().nullable(),
  details: z.record(z.string(), z.unknown()).describe('Never a secret, token or key.'),
});

export const auditEventPageSchema = z.object({
  items: z.array(auditEventSchema),
  next_cursor: z.string().nullable(),
});

export type AuditEventPage = z.output<typeof auditEventPageSchema>;
export type AuditQuery = z.output<typeof auditQuerySchema>;
