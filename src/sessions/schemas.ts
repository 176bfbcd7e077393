import { z } from 'zod';
import { clientIdSchema } from '../clients/schemas.js';

/** A live access token as the admin API shows it: never the token itself. */
const sessionSchema = z.object({
  jti: z.string(),
  issued_at: z.iso.datetime(),
  expires_at: z.iso.datetime(),
  scope: z.string(),
  ip: z.string().describe('The address the token was requested from.'),
  cnf: z
    .object({ jkt: z.string().optional(), 'x5t#S256': z.string().optional() })
    .optional()
    .describe(
      'For a sender-constrained token, the key it is bound to: `jkt` the DPoP key thumbprint (RFC 9449), `x5t#S256` the client certificate thumbprint (RFC 8705).',
    ),
});

export const sessionPageSchema = z.object({
  items: z.array(sessionSchema),
  next_cursor: z.string().nullable(),
});

export const sessionPathSchema = z.object({
  client_id: clientIdSchema,
  jti: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'not a valid jti'),
});

export type SessionResource = z.output<typeof sessionSchema>;
export type SessionResourcePage = z.output<typeof sessionPageSchema>;
