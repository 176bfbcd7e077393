import type { z } from 'zod';
import { ValidationError } from './errors.js';

/** Parses input with a zod schema; every problem becomes a ValidationError naming its field. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
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
