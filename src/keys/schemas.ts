import { z } from 'zod';
import { SIGNING_ALGORITHMS } from '../config/variables.js';

/** Public metadata of a signing key, as the admin API and CLI show it: never a private part. */
export const keyMetadataSchema = z.object({
  kid: z.string(),
  alg: z.enum(SIGNING_ALGORITHMS),
  status: z
    .enum(['next', 'active', 'retired'])
    .describe(
      'next: published, not signing yet; active: signs new tokens; retired: verifies tokens it signed until they expire.',
    ),
  created_at: z.iso.datetime(),
  activated_at: z.iso.datetime().nullable(),
  retired_at: z.iso.datetime().nullable(),
  expires_at: z.iso.datetime().nullable().describe('When a retired key leaves the JWKS.'),
});

export const keyListSchema = z.object({ items: z.array(keyMetadataSchema) });

export const rotateKeysSchema = z.strictObject({
  immediate: z
    .boolean()
    .default(false)
    .describe(
      'Emergency (suspected key compromise): a freshly created key signs at once, and the next key is replaced too, instead of waiting until the published next key may sign. Verifiers that cache the JWKS meet an unknown kid and must refetch it.',
    ),
});

export const keyPathSchema = z.object({ kid: z.string().describe('The key to revoke, as GET /keys lists it.') });

export const keyRevocationSchema = z.object({
  revoked: keyMetadataSchema.describe('The revoked key as it was; it is gone from the JWKS and the key list.'),
  active: keyMetadataSchema.describe('The key that signs now: a fresh one if the revoked key was active.'),
});
