/**
 * Credentials recognisable by shape: Tollgate client secrets (`tgs_` + 43 base64url characters) and
 * JWTs. Callers never put one in an event on purpose; this catches the one they cannot help, such as a
 * JWT pasted into a note.
 *
 * Redaction runs over text that callers choose, so every step is linear in the length of the text: a
 * regular expression that backtracks (such as `eyJ[…]*\.…` over `eyJeyJeyJ…`) would let one request
 * burn seconds of CPU. The text is cut into words, maximal runs of base64url characters and dots,
 * which no character belongs to twice; each word is then examined with bounded or forward-only scans.
 * The patterns are exported so that a test can certify each one linear (test/audit/redact.test.ts).
 */
export const WORD = /[A-Za-z0-9_.-]+/g;

/** A client secret's prefix and enough of its body to be one (a bounded quantifier: no backtracking). */
export const CLIENT_SECRET = /tgs_[A-Za-z0-9_-]{20}/;

const JWT_HEADER = 'eyJ';

export const REDACTED = '[redacted]';

/**
 * A JWS compact serialization (`eyJ….….…`) somewhere in the word: an `eyJ`, then two dots after it.
 * Each scan starts where the previous one stopped, so the word is read at most once.
 */
function holdsJwt(word: string): boolean {
  const header = word.indexOf(JWT_HEADER);
  if (header < 0) return false;
  const firstDot = word.indexOf('.', header + JWT_HEADER.length);
  return firstDot >= 0 && word.indexOf('.', firstDot + 1) >= 0;
}

function redactWord(word: string): string {
  return holdsJwt(word) || CLIENT_SECRET.test(word) ? REDACTED : word;
}

const SECRET_PREFIX = 'tgs_';

/**
 * Every credential recognised holds `eyJ` or `tgs_`, so text without either is returned as it is, after
 * two linear scans: the common case (ids, scopes, addresses on every token event) skips the word split.
 */
export function redactText(text: string): string {
  if (!text.includes(JWT_HEADER) && !text.includes(SECRET_PREFIX)) return text;
  return text.replace(WORD, redactWord);
}

export function redactValue(value: unknown): unknown {
  if (typeof value === 'string') return redactText(value);
  if (Array.isArray(value)) return value.map(redactValue);
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, redactValue(inner)]));
  return value;
}
