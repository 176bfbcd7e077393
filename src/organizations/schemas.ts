import { z } from 'zod';
import { atLeastOneField } from '../x/validation.js';

export const organizationIdSchema = z.string().regex(/^[A-Za-z0-9._~-]{1,128}$/, 'not a valid organization id');

const name = z.string().trim().min(1, 'must be 1-200 characters').max(200, 'must be 1-200 characters');
const apiEnabled = z
  .boolean()
  .describe(
    "While false, the organization's clients get no tokens and their tokens are inactive; its org-admins keep access.",
  );

export const createOrganizationSchema = z.strictObject({
  name,
  api_enabled: apiEnabled.default(true),
});

export const updateOrganizationSchema = atLeastOneField(
  z.strictObject({
    name: name.optional(),
    api_enabled: apiEnabled.optional(),
  }),
);

export const organizationSchema = z.object({
  id: z.string(),
  name: z.string(),
  api_enabled: z.boolean(),
  created_at: z.iso.datetime(),
});

export const organizationPageSchema = z.object({
  items: z.array(organizationSchema),
  next_cursor: z.string().nullable(),
});

export const organizationPathSchema = z.object({ id: organizationIdSchema });

export type OrganizationResource = z.output<typeof organizationSchema>;
export type OrganizationPage = z.output<typeof organizationPageSchema>;
