import { z } from 'zod';
import { atLeastOneField } from '../x/validation.js';

export const updateSettingsSchema = atLeastOneField(
  z.strictObject({
    api_enabled: z
      .boolean()
      .optional()
      .describe(
        'While false, the token endpoint refuses every client except platform admin clients, and their tokens are inactive.',
      ),
  }),
);

export const settingsSchema = z.object({
  api_enabled: z.boolean(),
  updated_at: z.iso.datetime(),
});

export type SettingsResource = z.output<typeof settingsSchema>;
