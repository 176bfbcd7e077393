import { z } from 'zod';
import { SIGNING_ALGORITHMS } from '../config/variables.js';

/** Public metadata of a signing key, as the admin API and CLI show it: never a private part. */
export const keyMetadataSchema = z.object({
  kid: z.string(),
  alg: z.enum(SIGNING_ALGORITHMS),
  status: z.enum(['next', 'active', 'retired']).describe('next: published, not signing yet; active: signs new tokens; retired: verifies tokens it signed until they expire.'),
  created_at: z.iso.datetime(),
  activated_at: z.iso.datetime().nullable(),
  retired_at: z.iso.datetime().nullable(),
  expires_at: z.iso.datetime().nullable().describe('When a retired key leaves the JWKS.'),
});

export const keyListSchema = z.object({ items: z.array(keyMetadataSchema) });
