import { z } from 'zod';
import { pageQuerySchema } from '../http/api/pagination.js';
import { organizationIdSchema } from '../organizations/schemas.js';
import { normalizeAllowlistEntry } from '../x/ip-ranges.js';
import { atLeastOneField } from '../x/validation.js';

const MAX_ALLOWLIST_ENTRIES = 100;

const name = z.string().trim().min(1, 'must be 1-200 characters').max(200, 'must be 1-200 characters');
const role = z.string().min(1).max(64).describe('A built-in or custom role: GET /roles lists them.');
const status = z.enum(['active', 'inactive']);
const note = z.string().max(2000, 'must be at most 2000 characters');
const organizationId = organizationIdSchema
  .nullable()
  .describe(
    "The client's organization; null for a platform client. An org-admin's clients always land in its own organization.",
  );

const dpopBoundAccessTokens = z
  .boolean()
  .describe(
    'RFC 9449: every token request must carry a DPoP proof, and every token is bound to its key (`token_type: DPoP`, `cnf.jkt`). Switching it on revokes the tokens the client holds, which may be bearer tokens.',
  );

const certificateBoundAccessTokens = z
  .boolean()
  .describe(
    'RFC 8705: every token request must come over mutual TLS, and every token is bound to that client certificate (`cnf.x5t#S256`). Switching it on revokes the tokens the client holds.',
  );

const allowlistEntry = z
  .string()
  .max(64)
  .transform((entry, ctx) => {
    const normalized = normalizeAllowlistEntry(entry);
    if (normalized === null) {
      ctx.addIssue({ code: 'custom', message: `"${entry}" is not an IPv4/IPv6 address or CIDR` });
      return z.NEVER;
    }
    return normalized;
  });

const ipAllowlist = z
  .array(allowlistEntry)
  .max(MAX_ALLOWLIST_ENTRIES, `at most ${MAX_ALLOWLIST_ENTRIES} entries`)
  .transform((entries) => [...new Set(entries)])
  .describe('IPv4/IPv6 addresses or CIDR ranges allowed to request tokens; empty allows any address.');

export const createClientSchema = z.strictObject({
  name,
  role,
  organization_id: organizationId.optional(),
  ip_allowlist: ipAllowlist.default([]),
  status: status.default('active'),
  note: note.default(''),
  dpop_bound_access_tokens: dpopBoundAccessTokens.default(false),
  tls_client_certificate_bound_access_tokens: certificateBoundAccessTokens.default(false),
});

export const updateClientSchema = atLeastOneField(
  z.strictObject({
    name: name.optional(),
    role: role.optional(),
    organization_id: organizationId.optional(),
    ip_allowlist: ipAllowlist.optional(),
    status: status.optional(),
    note: note.optional(),
    dpop_bound_access_tokens: dpopBoundAccessTokens.optional(),
    tls_client_certificate_bound_access_tokens: certificateBoundAccessTokens.optional(),
  }),
);

/** The longest a previous secret may keep working after a rotation: 7 days. */
const MAX_GRACE_PERIOD_SECONDS = 604_800;

export const rotateSecretSchema = z.strictObject({
  grace_period_seconds: z
    .number()
    .int('must be a whole number of seconds')
    .min(0, `must be between 0 and ${MAX_GRACE_PERIOD_SECONDS}`)
    .max(MAX_GRACE_PERIOD_SECONDS, `must be between 0 and ${MAX_GRACE_PERIOD_SECONDS}`)
    .default(0),
});

/** Generated ids are `tgc_` + 24 hex characters; INITIAL_ADMIN_CLIENT_ID may be any such string. */
const CLIENT_ID = /^[A-Za-z0-9._~-]{1,128}$/;
const MAX_CLIENT_ID_LENGTH = 128;

/**
 * Whether some client could have this id. Anything else that arrives as a client_id names no client and
 * is never looked up, logged or stored as it is; the length is checked first, so a regular expression
 * never reads a caller's 16 KB.
 */
export function isWellFormedClientId(value: string): boolean {
  return value.length <= MAX_CLIENT_ID_LENGTH && CLIENT_ID.test(value);
}

export const clientIdSchema = z.string().regex(CLIENT_ID, 'not a valid client_id');

export const clientPathSchema = z.object({ client_id: clientIdSchema });

export const clientListQuerySchema = pageQuerySchema.extend({
  organization_id: organizationIdSchema.optional().describe("Only this organization's clients."),
  role: role.optional().describe('Only clients with this role.'),
  status: status.optional().describe('Only active or only inactive clients.'),
  q: z
    .string()
    .trim()
    .min(1, 'must be 1-200 characters')
    .max(200, 'must be 1-200 characters')
    .optional()
    .describe('Only clients whose name contains this text (any case) or whose client_id starts with it.'),
});

export const clientSchema = z.object({
  client_id: z.string(),
  name: z.string(),
  role: z.string(),
  organization_id: z.string().nullable(),
  ip_allowlist: z.array(z.string()),
  status,
  note: z.string(),
  created_by: z.string().nullable(),
  created_at: z.iso.datetime(),
  updated_at: z.iso.datetime(),
  last_used_at: z.iso.datetime().nullable().describe('When the client last got a token, to the minute.'),
  dpop_bound_access_tokens: dpopBoundAccessTokens,
  tls_client_certificate_bound_access_tokens: certificateBoundAccessTokens,
});

export const rotatedSecretSchema = z.object({
  client_id: z.string(),
  client_secret: z.string().describe('Shown only in this response: store it now.'),
  previous_secret_expires_at: z.iso
    .datetime()
    .nullable()
    .describe('When the previous secret stops working; null when it stopped at once.'),
});

export const createdClientSchema = clientSchema.extend({
  client_secret: z.string().describe('Shown only in this response: store it now.'),
});

export const clientPageSchema = z.object({
  items: z.array(clientSchema),
  next_cursor: z.string().nullable(),
});

export type ClientListQuery = z.output<typeof clientListQuerySchema>;
export type ClientResource = z.output<typeof clientSchema>;
export type CreatedClient = z.output<typeof createdClientSchema>;
export type ClientPage = z.output<typeof clientPageSchema>;
export type RotatedSecret = z.output<typeof rotatedSecretSchema>;
