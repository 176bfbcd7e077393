import { z } from 'zod';
import { normalizeAllowlistEntry } from './ip-allowlist.js';

export const MAX_ALLOWLIST_ENTRIES = 100;

const name = z.string().trim().min(1, 'must be 1-200 characters').max(200, 'must be 1-200 characters');
const role = z.string().min(1).max(64);
const status = z.enum(['active', 'inactive']);
const note = z.string().max(2000, 'must be at most 2000 characters');

const allowlistEntry = z.string().max(64).transform((entry, ctx) => {
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
  .transform((entries) => [...new Set(entries)]);

export const createClientSchema = z.strictObject({
  name,
  role,
  ip_allowlist: ipAllowlist.default([]),
  status: status.default('active'),
  note: note.default(''),
});

export const updateClientSchema = z
  .strictObject({
    name: name.optional(),
    role: role.optional(),
    ip_allowlist: ipAllowlist.optional(),
    status: status.optional(),
    note: note.optional(),
  })
  .refine((patch) => Object.keys(patch).length > 0, { message: 'at least one field is required' });

/** The longest a previous secret may keep working after a rotation: 7 days. */
export const MAX_GRACE_PERIOD_SECONDS = 604_800;

export const rotateSecretSchema = z.strictObject({
  grace_period_seconds: z
    .number()
    .int('must be a whole number of seconds')
    .min(0, `must be between 0 and ${MAX_GRACE_PERIOD_SECONDS}`)
    .max(MAX_GRACE_PERIOD_SECONDS, `must be between 0 and ${MAX_GRACE_PERIOD_SECONDS}`)
    .default(0),
});

export const clientIdSchema = z.string().regex(/^[A-Za-z0-9._~-]{1,128}$/, 'not a valid client_id');

export type CreateClientInput = z.output<typeof createClientSchema>;
export type UpdateClientInput = z.output<typeof updateClientSchema>;
