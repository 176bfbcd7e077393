import type { z } from 'zod';
import { ValidationError } from './errors.js';

/** Where a NUL character hides in the input, if anywhere: Postgres cannot store one in text or jsonb. */
function nulCharacterPath(value: unknown, path: string[] = []): string[] | null {
  if (typeof value === 'string') return value.includes('\u0000') ? path : null;
  if (value === null || typeof value !== 'object') return null;
  for (const [key, inner] of Object.entries(value)) {
    const found = nulCharacterPath(inner, [...path, key]);
    if (found) return found;
  }
  return null;
}

/** Parses input with a zod schema; every problem becomes a ValidationError naming its field. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const nul = nulCharacterPath(input);
  if (nul) throw ValidationError.field(nul.length ? nul.join('.') : '(body)', 'must not contain NUL characters');
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new ValidationError(
    result.error.issues.map((issue) => ({
      field: issue.path.length ? issue.path.join('.') : issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : '(body)',
      message: issue.message,
    })),
  );
}

/** A PATCH body must change something; documented as `minProperties: 1` so the OpenAPI document says so too. */
export function atLeastOneField<S extends z.ZodObject>(schema: S): S {
  return schema.refine((patch) => Object.keys(patch).length > 0, { message: 'at least one field is required' }).meta({ minProperties: 1 });
}
