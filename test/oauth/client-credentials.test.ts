import { checkSync } from 'recheck';
import { clientSecretBasic } from '../../src/client-auth/client-secret.js';
import { isUnreadable, type Presentation } from '../../src/client-auth/types.js';
import { captureLogs } from '../support/logs.js';
import { SERVER_MODES } from '../support/modes.js';
import { basicAuth } from '../support/oauth.js';
import { pollUntil } from '../support/poll.js';
import { sendRaw } from '../support/raw-http.js';
import { ADMIN_CLIENT_ID, ADMIN_CLIENT_SECRET, type TestServer } from '../support/server.js';

const ID = 'tgc_0123456789abcdef01234567';
const SECRET = 'tgs_s3cret/with+odd=chars';
const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

/** The credentials read from an Authorization header, or the refusal as `code: description`. */
function fromHeader(authorization: string, params: Record<string, string> = {}): Presentation | string {
  const read = clientSecretBasic.read({
    ip: '127.0.0.1',
    authorization,
    params: new Map(Object.entries(params)),
    dpop: undefined,
    clientCertificate: null,
  });
  return isUnreadable(read) ? `${read.unreadable}: ${read.description}` : read;
}

const basic = { clientId: ID, credential: SECRET };
const NOT_BASE64 = 'invalid_request: the Basic credentials are not valid base64';
const MALFORMED = 'invalid_request: the Basic credentials are malformed';

describe('client_secret_basic parsing (RFC 6749 §2.3.1, RFC 7617)', () => {
  it('reads form-urlencoded credentials, with or without base64 padding, any case of the scheme', () => {
    expect(fromHeader(basicAuth(ID, SECRET))).toEqual(basic);
    expect(fromHeader(`bAsIc ${b64(`${ID}:${encodeURIComponent(SECRET)}`).replace(/=+$/, '')}`)).toEqual(basic);
    // A space in a form-urlencoded component may come as `+`; a colon in the secret is just a character.
    expect(fromHeader(`Basic ${b64(`${ID}:a+b:c%3Ad`)}`)).toEqual({ ...basic, credential: 'a b:c:d' });
    expect(fromHeader(`Basic ${b64(`${ID}:`)}`)).toEqual({ ...basic, credential: '' });
  });

  it('accepts more than one space after the scheme, as RFC 7235 §2.1 allows (found by fuzzing)', () => {
    expect(fromHeader(`Basic   ${b64(`${ID}:${encodeURIComponent(SECRET)}`)}`)).toEqual(basic);
  });

  it('refuses anything after the credentials instead of ignoring it (found by fuzzing)', () => {
    const valid = basicAuth(ID, SECRET);
    expect(fromHeader(`${valid} extra`)).toBe(MALFORMED);
    expect(fromHeader(`${valid} ${valid.slice(6)}`)).toBe(MALFORMED);
    expect(fromHeader('Basic')).toBe(MALFORMED);
    expect(fromHeader('Basic   ')).toBe(MALFORMED);
  });

  it('refuses malformed base64 that a lenient decoder would turn into the same credentials (found by fuzzing)', () => {
    const encoded = b64(`${ID}:${encodeURIComponent(SECRET)}`);
    // Buffer.from(…, 'base64') skips characters outside the alphabet and stops at the first `=`:
    // each of these decoded to the real credentials and got a token.
    for (const mangled of [
      `${encoded.slice(0, 4)}!!!!${encoded.slice(4)}`,
      `${encoded.slice(0, 8)}\t${encoded.slice(8)}`,
      `${encoded.slice(0, 8)}.${encoded.slice(8)}`,
      `${encoded}====`,
      `${encoded}=AAAA`,
      `${encoded.slice(0, 4)}=${encoded.slice(4)}`,
    ]) {
      expect({ mangled, answer: fromHeader(`Basic ${mangled}`) }).toEqual({ mangled, answer: NOT_BASE64 });
    }
    // The URL-safe alphabet is another encoding, not base64 (RFC 4648 §5 vs §4).
    expect(fromHeader(`Basic ${Buffer.from(`${ID}:??>>`).toString('base64url')}`)).toBe(NOT_BASE64);
    // One character too many or too few is not a whole number of bytes.
    expect(fromHeader(`Basic ${encoded.replace(/=+$/, '')}A`)).toBe(NOT_BASE64);
  });

  it('refuses credentials that are not UTF-8 instead of matching U+FFFD (found by fuzzing)', () => {
    expect(fromHeader(`Basic ${Buffer.from(`${ID}:caf\xe9`, 'latin1').toString('base64')}`)).toBe(
      'invalid_request: the Basic credentials are not UTF-8',
    );
  });

  it('refuses a missing colon, an empty client_id and bad percent-encoding', () => {
    expect(fromHeader(`Basic ${b64(ID)}`)).toBe(MALFORMED);
    expect(fromHeader(`Basic ${b64(`:${SECRET}`)}`)).toBe(MALFORMED);
    for (const secret of ['%', '%zz', '%ED%A0%80', '%C3']) {
      expect(fromHeader(`Basic ${b64(`${ID}:${secret}`)}`)).toBe(
        'invalid_request: client credentials are not correctly encoded',
      );
    }
  });

  it('refuses other schemes with invalid_client, and a client_id in the body that differs', () => {
    expect(fromHeader(`Bearer ${b64(`${ID}:x`)}`)).toMatch(/^invalid_client: only Basic/);
    expect(fromHeader(`Basic\t${b64(`${ID}:x`)}`)).toMatch(/^invalid_client: only Basic/);
    expect(fromHeader(basicAuth(ID, SECRET), { client_id: ID })).toEqual(basic);
    expect(fromHeader(basicAuth(ID, SECRET), { client_id: `${ID}0` })).toBe(
      'invalid_request: client_id does not match the Authorization header',
    );
  });

  it('checks base64 with an expression recheck proves free of super-linear backtracking', async () => {
    // A header can be 16 KB: the check must stay linear in it.
    process.env.RECHECK_SYNC_BACKEND = 'pure';
    const pattern = '^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}(?:==)?|[A-Za-z0-9+/]{3}=?)?$';
    expect(checkSync(pattern, '', { checker: 'automaton' }).status).toBe('safe');
  });
});

describe.each(SERVER_MODES)('a client that goes away mid-body, $name', (mode) => {
  const logs = captureLogs('debug');
  let server: TestServer;

  beforeAll(async () => {
    server = await mode.start({}, logs.logger);
  }, 60_000);

  afterAll(async () => {
    await server.stop();
  });

  it('is not logged as an unexpected error on the OAuth and admin endpoints (found by fuzzing)', async () => {
    const form = ['Content-Type', 'application/x-www-form-urlencoded'] as const;
    const json = ['Content-Type', 'application/json'] as const;
    const auth = ['Authorization', basicAuth(ADMIN_CLIENT_ID, ADMIN_CLIENT_SECRET)] as const;
    for (const [target, headers] of [
      ['/token', [form, auth]],
      ['/token/introspection', [form, auth]],
      ['/token/revocation', [form, auth]],
      ['/api/v1/organizations', [json, ['Authorization', 'Bearer x']]],
    ] as const) {
      const response = await sendRaw(
        server.running.port,
        { method: 'POST', target, headers, body: Buffer.from('grant_type=client'), declaredLength: 1_000 },
        5_000,
      );
      expect(response.status).toBe(0);
    }
    const closed = await pollUntil(
      async () =>
        logs.lines().filter((line) => line.msg === 'the client closed the connection before its request was read'),
      (lines) => lines.length === 4,
      20_000,
    );
    expect(closed).toHaveLength(4);
    expect(logs.lines().filter((line) => (line.level as number) >= 50)).toEqual([]);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });
});
