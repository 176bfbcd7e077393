import type { z } from 'zod';
import { type FieldIssue, ValidationError } from './errors.js';

/**
 * How deep input may nest. No request schema nests more than two levels; a far deeper body is junk
 * (`{"note": [[[…]]]}` 10,000 levels deep fits in 20 KB), refused before anything walks it further.
 */
export const MAX_INPUT_DEPTH = 32;

/** Unknown fields listed by name in a 400, at most: a body of thousands of keys does not come back in full. */
const MAX_LISTED_UNKNOWN_FIELDS = 10;

function fieldOf(path: readonly PropertyKey[]): string {
  return path.length ? path.map(String).join('.') : '(body)';
}

/** In a `u` regex, a surrogate that is half of a pair is part of one code point: this finds only unpaired ones. */
const UNPAIRED_SURROGATE = /\p{Surrogate}/u;

/**
 * What is wrong with a string every input shares, if anything: a NUL character (Postgres cannot store
 * one in text or jsonb), or an unpaired surrogate (no UTF-8 encoding exists: the database would store
 * U+FFFD instead of what was sent, and the answer would not show what was kept).
 */
function stringRuleViolation(value: string): string | undefined {
  if (value.includes('\u0000')) return 'must not contain NUL characters';
  if (UNPAIRED_SURROGATE.test(value)) return 'must not contain unpaired surrogates (it must be valid Unicode)';
  return undefined;
}

/**
 * What breaks a rule every input shares, if anything: a string (value or key) that stringRuleViolation
 * refuses, or nesting deeper than MAX_INPUT_DEPTH (named by the top-level field it hides in). Walks
 * breadth-first with a queue, never recursion, so no input can overflow the stack; the work is linear in
 * the input's size, which the body size limit bounds.
 */
function sharedRuleViolation(input: unknown): FieldIssue | undefined {
  const queue: { value: unknown; path: string[] }[] = [{ value: input, path: [] }];
  for (let next = 0; next < queue.length; next++) {
    const { value, path } = queue[next]!;
    if (typeof value === 'string') {
      const message = stringRuleViolation(value);
      if (message) return { field: fieldOf(path), message };
    } else if (value !== null && typeof value === 'object') {
      if (path.length === MAX_INPUT_DEPTH) {
        return {
          field: fieldOf(Array.isArray(input) ? [] : path.slice(0, 1)),
          message: `must not nest deeper than ${MAX_INPUT_DEPTH} levels`,
        };
      }
      for (const [key, inner] of Object.entries(value)) {
        const message = stringRuleViolation(key);
        if (message) return { field: fieldOf(path), message: `keys ${message}` };
        queue.push({ value: inner, path: [...path, key] });
      }
    }
  }
  return undefined;
}

/** zod's own message lists every unknown key; this names a few, so the answer stays small. */
function unknownFieldsIssue(path: readonly PropertyKey[], keys: readonly string[]): FieldIssue {
  const listed = keys
    .slice(0, MAX_LISTED_UNKNOWN_FIELDS)
    .map((key) => fieldOf([...path, key]))
    .join(', ');
  const field =
    keys.length > MAX_LISTED_UNKNOWN_FIELDS ? `${listed} and ${keys.length - MAX_LISTED_UNKNOWN_FIELDS} more` : listed;
  return { field, message: keys.length === 1 ? 'unknown field' : 'unknown fields' };
}

function issueOf(issue: z.core.$ZodIssue): FieldIssue {
  if (issue.code === 'unrecognized_keys') return unknownFieldsIssue(issue.path, issue.keys);
  return { field: fieldOf(issue.path), message: issue.message };
}

/** Parses input with a zod schema; every problem becomes a ValidationError naming its field. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const violation = sharedRuleViolation(input);
  if (violation) throw new ValidationError([violation]);
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new ValidationError(result.error.issues.map(issueOf));
}

/** A PATCH body must change something; documented as `minProperties: 1` so the OpenAPI document says so too. */
export function atLeastOneField<S extends z.ZodObject>(schema: S): S {
  return schema
    .refine((patch) => Object.keys(patch).length > 0, { message: 'at least one field is required' })
    .meta({ minProperties: 1 });
}
