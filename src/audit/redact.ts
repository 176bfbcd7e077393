/**
 * Credentials recognisable by shape: Tollgate client secrets (`tgs_` + 43 base64url characters) and
 * JWTs. Callers never put one in an event on purpose; this catches the one they cannot help, such as a
 * client that sends its secret as its client_id, which a denied request would otherwise record.
 */
const CREDENTIAL = /tgs_[A-Za-z0-9_-]{20,}|eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g;

export const REDACTED = '[redacted]';

export function redactText(text: string): string {
  return text.replace(CREDENTIAL, REDACTED);
}

export function redactValue(value: unknown): unknown {
  if (typeof value === 'string') return redactText(value);
  if (Array.isArray(value)) return value.map(redactValue);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, redactValue(inner)]));
  return value;
}
