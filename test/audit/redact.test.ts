import { checkSync } from 'recheck';
import { CLIENT_SECRET, REDACTED, redactText, redactValue, WORD } from '../../src/audit/redact.js';

const MB = 1024 * 1024;
const SECRET = `tgs_${'A'.repeat(43)}`;
const JWT = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ0Z2NfMSJ9.c2lnbmF0dXJl';

/** `unit` repeated to (about) one megabyte; `as` replaces each unit in the result. */
function megabyteOf(unit: string, as = unit): string {
  return as.repeat(Math.ceil(MB / unit.length));
}

/** A megabyte does not belong in a failure message: its length and where it first differs do. */
function difference(actual: string, expected: string): string | null {
  if (actual === expected) return null;
  let at = 0;
  while (actual[at] === expected[at]) at += 1;
  return `lengths ${actual.length} and ${expected.length}, first difference at ${at}: ${JSON.stringify(actual.slice(at, at + 40))}`;
}

describe('redaction of credentials in audit events', () => {
  it('uses only regular expressions that recheck proves free of super-linear backtracking', () => {
    // recheck's automaton checker decides this from the expression itself (no sampling, no timing):
    // main's `eyJ[A-Za-z0-9_-]*\.…` is reported "vulnerable, 2nd degree polynomial".
    process.env.RECHECK_SYNC_BACKEND = 'pure';
    for (const pattern of [WORD, CLIENT_SECRET]) {
      const diagnostics = checkSync(pattern.source, pattern.flags, { checker: 'automaton' });
      expect({ pattern: pattern.source, status: diagnostics.status }).toEqual({
        pattern: pattern.source,
        status: 'safe',
      });
    }
  });

  it('replaces secrets and JWTs wherever they appear, and nothing else', () => {
    expect(redactText(`secret=${SECRET}; token ${JWT}.`)).toBe(`secret=${REDACTED}; token ${REDACTED}`);
    expect(redactText(`Bearer ${JWT}`)).toBe(`Bearer ${REDACTED}`);
    expect(redactText('tgc_0123456789abcdef01234567 invalid_secret 203.0.113.9 2001:db8::/64')).toBe(
      'tgc_0123456789abcdef01234567 invalid_secret 203.0.113.9 2001:db8::/64',
    );
    expect(redactText('tgs_short eyJ.only-one-dot')).toBe('tgs_short eyJ.only-one-dot');
    expect(redactValue({ note: [`see ${JWT}`], count: 3, nested: { id: SECRET } })).toEqual({
      note: [`see ${REDACTED}`],
      count: 3,
      nested: { id: REDACTED },
    });
  });

  // Inputs built to make a backtracking pattern retry from every position. Each is one megabyte: at
  // main's quadratic cost that is hours of CPU; here each is read once.
  it.each([
    ['eyJ repeated, never a JWT', megabyteOf('eyJ'), megabyteOf('eyJ')],
    ['eyJ repeated, then the dots of a JWT', `${megabyteOf('eyJ')}.a.b`, REDACTED],
    ['eyJ and one dot repeated', megabyteOf('eyJa.'), REDACTED],
    ['eyJ words with one dot each', megabyteOf('eyJa. '), megabyteOf('eyJa. ')],
    [
      'tgs_ prefixes with 19 characters each',
      megabyteOf(`tgs_${'a'.repeat(19)} `),
      megabyteOf(`tgs_${'a'.repeat(19)} `),
    ],
    ['tgs_ repeated', megabyteOf('tgs_'), REDACTED],
    ['one megabyte word with a secret at its end', `${'a'.repeat(MB)}${SECRET}`, REDACTED],
    ['JWTs separated by spaces', megabyteOf(`${JWT} `), megabyteOf(`${JWT} `, `${REDACTED} `)],
  ])('redacts one megabyte of %s correctly', (_name, input, expected) => {
    expect(difference(redactText(input), expected)).toBeNull();
  });
});
