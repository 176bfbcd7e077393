import { z } from 'zod';
import { atLeastOneField } from '../x/validation.js';
import { ADMINISTRATIVE_SCOPES } from './built-in.js';

const MAX_ROLE_SCOPES = 50;

const scope = z
  .string()
  .regex(/^[a-z0-9:._-]{1,64}$/, 'scope names are 1-64 characters of a-z 0-9 : . _ -')
  .refine((name) => !ADMINISTRATIVE_SCOPES.has(name), { message: 'is reserved for the built-in admin roles' });

const scopes = z
  .array(scope)
  .min(1, 'at least one scope')
  .max(MAX_ROLE_SCOPES, `at most ${MAX_ROLE_SCOPES} scopes`)
  .transform((names) => [...new Set(names)])
  .describe(
    `Scope names of a-z 0-9 : . _ -; "${[...ADMINISTRATIVE_SCOPES].join('" and "')}" are reserved for the built-in admin roles.`,
  );

const description = z.string().max(500, 'must be at most 500 characters');

export const roleNameSchema = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9._-]{0,63}$/,
    'role names are 1-64 characters of a-z 0-9 . _ -, starting with a letter or digit',
  );

export const createRoleSchema = z.strictObject({
  name: roleNameSchema,
  scopes,
  description: description.default(''),
});

export const updateRoleSchema = atLeastOneField(
  z.strictObject({
    scopes: scopes.optional(),
    description: description.optional(),
  }),
);

export const rolePathSchema = z.object({ name: roleNameSchema });

export const roleSchema = z.object({
  name: z.string(),
  scopes: z.array(z.string()).describe("A token's scope is these (or a requested subset)."),
  description: z.string(),
  built_in: z.boolean().describe('Built-in roles cannot be changed or deleted.'),
});

export const roleListSchema = z.object({ items: z.array(roleSchema) });

export type RoleResource = z.output<typeof roleSchema>;
export type RoleList = z.output<typeof roleListSchema>;
