import fc from 'fast-check';
import { generateKeyPair, SignJWT } from 'jose';
import { OAUTH_PATHS } from '../../src/x/oauth-paths.js';
import { revoke, tokenFor } from './oauth.js';
import type { RawRequest } from './raw-http.js';

/** What the fuzz suite knows of the server it attacks: real credentials and tokens, and ids that exist. */
export interface FuzzTargets {
  /** A client whose credentials are valid (role read-only: its token is no admin token). */
  readonly client: { readonly client_id: string; readonly client_secret: string };
  /** Tokens to present, valid and not: the first is a live platform-admin token. */
  readonly tokens: readonly string[];
  /** Admin operations from the OpenAPI document: method and path template. */
  readonly operations: readonly { readonly method: string; readonly path: string }[];
  /** Values for path parameters that name something that exists. */
  readonly existing: readonly string[];
}

/** One generated request and what the oracle needs to know about it. */
export interface FuzzCase {
  readonly request: RawRequest;
  /** Whether the request presents the fuzz client's real secret (only then may /token answer a token). */
  readonly presentsValidSecret: boolean;
  /** Whether the request presents the live admin token (only then may an admin route answer 2xx). */
  readonly presentsAdminToken: boolean;
}

const OAUTH_ENDPOINTS = [OAUTH_PATHS.token, OAUTH_PATHS.introspection, OAUTH_PATHS.revocation] as const;
const PUBLIC_GETS = [
  OAUTH_PATHS.jwks,
  OAUTH_PATHS.openidConfiguration,
  OAUTH_PATHS.authorizationServerMetadata,
  '/healthz',
  '/readyz',
  '/api/v1/openapi.json',
  '/api/v1/info',
];
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE'];
const FORM = 'application/x-www-form-urlencoded';

/** Claims and header of a JWT, re-signed or re-assembled so that the server must refuse it. */
function split(token: string): { header: Record<string, unknown>; payload: Record<string, unknown> } {
  const [header, payload] = token.split('.');
  const decode = (part: string | undefined) =>
    JSON.parse(Buffer.from(part ?? '', 'base64url').toString()) as Record<string, unknown>;
  return { header: decode(header), payload: decode(payload) };
}

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * The live admin token, then forgeries of it (a foreign key under the real kid, alg none, HS256 keyed
 * with the public JWKS, claims edited under the original signature), a revoked token and a token of a
 * non-admin client.
 */
export async function tokenVariants(baseUrl: string, admin: string, client: FuzzTargets['client']): Promise<string[]> {
  const { header, payload } = split(admin);
  const foreign = await generateKeyPair('RS256');
  const foreignEc = await generateKeyPair('ES256');
  const jwks = await (await fetch(`${baseUrl}${OAUTH_PATHS.jwks}`)).text();
  const [encodedHeader, , signature] = admin.split('.');
  const revoked = await tokenFor(baseUrl, client);
  await revoke(baseUrl, client.client_id, client.client_secret, revoked);
  return [
    admin,
    await new SignJWT(payload).setProtectedHeader({ ...header, alg: 'RS256' } as never).sign(foreign.privateKey),
    await new SignJWT(payload).setProtectedHeader({ ...header, alg: 'ES256' } as never).sign(foreignEc.privateKey),
    await new SignJWT(payload)
      .setProtectedHeader({ ...header, alg: 'HS256' } as never)
      .sign(new TextEncoder().encode(jwks)),
    `${b64url({ ...header, alg: 'none' })}.${b64url(payload)}.`,
    `${encodedHeader}.${b64url({ ...payload, exp: (payload.exp as number) + 86_400 * 365 })}.${signature}`,
    `${encodedHeader}.${b64url({ ...payload, scope: `${payload.scope} admin` })}.${signature}`,
    `${b64url({ ...header, kid: 'x'.repeat(5000) })}.${b64url(payload)}.${signature}`,
    revoked,
    await tokenFor(baseUrl, client),
  ];
}

/** Strings that have broken parsers: NUL, unpaired surrogates, invalid UTF-8, huge numbers, deep nesting. */
const NASTY_TEXT = [
  '\u0000',
  '\ud800',
  '\udfff',
  '\ufeff',
  '\u202e',
  '%00',
  '%ED%A0%80',
  '%C3',
  '%',
  '%%',
  '+',
  '1e400',
  '-0',
  '123456789012345678901234567890',
  'NaN',
  '../../',
  '__proto__',
  'constructor',
  ' ',
  '',
];

/**
 * Percent-encoding of the UTF-8 bytes, which never throws (encodeURIComponent throws on an unpaired
 * surrogate; Buffer encodes it as U+FFFD). Raw escapes such as `%ED%A0%80` reach the server through
 * NASTY_TEXT sent unencoded.
 */
function percentEncode(value: string): string {
  return [...Buffer.from(value, 'utf8')]
    .map((byte) =>
      /[A-Za-z0-9._~-]/.test(String.fromCharCode(byte))
        ? String.fromCharCode(byte)
        : `%${byte.toString(16).padStart(2, '0')}`,
    )
    .join('');
}

const nastyString = fc.oneof(
  fc.constantFrom(...NASTY_TEXT),
  fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)), maxLength: 40 }),
  fc.string({ maxLength: 40 }),
  fc.integer({ min: 1, max: 20_000 }).map((length) => 'a'.repeat(length)),
);

/** Raw JSON text: values, then texts JSON.stringify never makes (duplicate keys, escapes of lone surrogates, ...). */
const jsonText = fc.oneof(
  { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify(value) ?? 'null') },
  {
    weight: 4,
    arbitrary: fc
      .dictionary(
        fc.constantFrom('name', 'role', 'status', 'scopes', 'ip_allowlist', 'api_enabled', 'description', 'reason'),
        fc.oneof(nastyString, fc.jsonValue({ maxDepth: 2 })),
        { maxKeys: 5 },
      )
      .map((value) => JSON.stringify(value)),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '{"name":"a","name":"b"}',
      '{"name":"a\\u0000"}',
      '{"name":"\\ud800"}',
      '{"name":"\\udc00x"}',
      '{"__proto__":{"admin":true}}',
      '{"constructor":{"prototype":{"x":1}}}',
      '{"n":1e400}',
      '{"n":-1e-400}',
      '{"n":123456789012345678901234567890}',
      '[1,2,',
      '{"name":',
      '\ufeff{}',
      '{}garbage',
      'null',
      '"string"',
      '[]',
      `{"deep":${'['.repeat(10_000)}${']'.repeat(10_000)}}`,
      `${'{"a":'.repeat(2_000)}1${'}'.repeat(2_000)}`,
      JSON.stringify(Object.fromEntries(Array.from({ length: 3_000 }, (_, index) => [`k${index}`, index]))),
      JSON.stringify({ name: 'x'.repeat(70_000) }),
    ),
  },
);

/** A path as sent: the real one, or one of the spellings no route may take. */
function pathVariant(path: string) {
  return fc.oneof(
    { weight: 12, arbitrary: fc.constant(path) },
    {
      weight: 4,
      arbitrary: fc.constantFrom(
        `${path}/`,
        path.toUpperCase(),
        `/${path}`,
        `${path}%2F`,
        `${path}/.`,
        `${path}/..`,
        `${path.replace(/\//g, '%2F')}`,
        `http://127.0.0.1${path}`,
        `${path}#fragment`,
        `${path};param`,
        `${path}%00`,
        `${path}\u00e9`,
        `${path}/${'a'.repeat(3000)}`,
      ),
    },
    {
      weight: 3,
      arbitrary: fc
        .array(fc.tuple(fc.constantFrom('limit', 'cursor', 'type', 'since', 'until', 'client_id', 'x'), nastyString), {
          maxLength: 4,
        })
        .map((pairs) => `${path}?${pairs.map(([name, value]) => `${name}=${percentEncode(value)}`).join('&')}`),
    },
  );
}

interface Parts {
  method: string;
  path: string;
  headers: [string, string][];
  body: Buffer;
  declaredLength?: number;
  presentsValidSecret: boolean;
  presentsAdminToken: boolean;
}

const latin1 = (value: string) => Buffer.from(value, 'utf8').toString('latin1');

/** The client authentication an OAuth request carries: none, the real one either way, or a broken one. */
function credentialsFor(targets: FuzzTargets) {
  const { client_id: id, client_secret: secret } = targets.client;
  const basic = (text: string) => `Basic ${Buffer.from(text, 'utf8').toString('base64')}`;
  const valid = basic(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`);
  return fc.oneof(
    { weight: 3, arbitrary: fc.constant({ header: valid, params: {}, valid: true }) },
    {
      weight: 2,
      arbitrary: fc.constant({ header: undefined, params: { client_id: id, client_secret: secret }, valid: true }),
    },
    fc.constant({ header: undefined, params: {}, valid: false }),
    fc
      .integer({ min: 0, max: valid.length - 1 })
      .map((at) => ({ header: valid.slice(0, at), params: {}, valid: false })),
    // The real credentials with one character added: what a lenient decoder reads as the real credentials.
    {
      weight: 3,
      arbitrary: fc
        .tuple(
          fc.integer({ min: 5, max: valid.length }),
          fc.constantFrom('!', '.', '=', ' ', '\t', '-', '_', 'é', '  '),
        )
        .map(([at, junk]) => {
          const header = `${valid.slice(0, at)}${junk}${valid.slice(at)}`;
          // Still valid: whitespace around the value (HTTP strips it) or more spaces after the scheme.
          const normalised = header.replace(/^[ \t]+|[ \t]+$/g, '').replace(/^Basic +/, 'Basic ');
          return { header, params: {}, valid: normalised === valid };
        }),
    },
    fc.constant({ header: `${valid} ${valid.slice(6)}`, params: {}, valid: false }),
    fc.constant({ header: valid, params: { client_secret: secret }, valid: false }),
    nastyString.map((junk) => ({ header: basic(`${id}:${junk}`), params: {}, valid: false })),
    nastyString.map((junk) => ({ header: basic(`${junk}:${secret}`), params: {}, valid: false })),
    nastyString.map((junk) => ({ header: basic(junk), params: {}, valid: false })),
    nastyString.map((junk) => ({ header: undefined, params: { client_id: id, client_secret: junk }, valid: false })),
    nastyString.map((junk) => ({
      header: undefined,
      params: { client_id: junk, client_secret: secret },
      valid: false,
    })),
    fc.constantFrom('Bearer x', 'Digest a=b', 'basic', 'Basic ', '', 'Basic ====').map((header) => ({
      header,
      params: {},
      valid: false,
    })),
  );
}

/**
 * Whether `presented` is still `token`: the same text, or the same signing input and a signature that
 * decodes to the same bytes. A changed character may be the one it replaces, or differ only in the
 * unused low bits of the signature's last base64url character.
 */
function sameToken(presented: string, token: string): boolean {
  if (presented === token) return true;
  const cut = token.lastIndexOf('.');
  const signature = presented.slice(cut + 1);
  return (
    presented.slice(0, cut + 1) === token.slice(0, cut + 1) &&
    /^[A-Za-z0-9_-]+$/.test(signature) &&
    Buffer.from(signature, 'base64url').equals(Buffer.from(token.slice(cut + 1), 'base64url'))
  );
}

/** A token as presented: one of the variants whole, truncated, or with a character changed. */
function tokenArbitrary(targets: FuzzTargets) {
  return fc.oneof(
    fc.nat({ max: targets.tokens.length - 1 }).map((index) => ({ token: targets.tokens[index]!, index })),
    fc.tuple(fc.nat({ max: targets.tokens.length - 1 }), fc.nat()).map(([index, at]) => ({
      token: targets.tokens[index]!.slice(0, at % targets.tokens[index]!.length),
      index: -1,
    })),
    fc.tuple(fc.nat(), fc.constantFrom('A', '.', '-', '=', '%', '\u0000')).map(([at, junk]) => {
      const token = targets.tokens[0]!;
      const position = at % token.length;
      const changed = `${token.slice(0, position)}${junk}${token.slice(position + 1)}`;
      return { token: changed, index: sameToken(changed, token) ? 0 : -1 };
    }),
    nastyString.map((token) => ({ token, index: -1 })),
  );
}

function encodeForm(pairs: readonly (readonly [string, string])[]): string {
  return pairs.map(([name, value]) => `${percentEncode(name)}=${percentEncode(value)}`).join('&');
}

function oauthRequest(targets: FuzzTargets) {
  const extra = fc.array(
    fc.tuple(
      fc.constantFrom('grant_type', 'scope', 'token', 'token_type_hint', 'client_id', 'resource', 'x'),
      nastyString,
    ),
    { maxLength: 3 },
  );
  return fc
    .record({
      path: fc.constantFrom(OAUTH_PATHS.token, ...OAUTH_ENDPOINTS),
      credentials: credentialsFor(targets),
      token: tokenArbitrary(targets),
      grant: fc.constantFrom('client_credentials', 'client_credentials', 'password', ''),
      scope: fc.option(fc.constantFrom('read', 'admin', 'read write', 'read  read', '\u0000'), { nil: undefined }),
      extra,
      // Mostly a form built from the fields above; sometimes a body that is no form at all.
      rawBody: fc.oneof(
        { weight: 8, arbitrary: fc.constant(undefined) },
        { weight: 1, arbitrary: fc.oneof(nastyString, jsonText) },
      ),
    })
    .map(({ path, credentials, token, grant, scope, extra: more, rawBody }): Parts => {
      const pairs: [string, string][] = Object.entries(credentials.params);
      if (path === OAUTH_PATHS.token) {
        pairs.push(['grant_type', grant]);
        if (scope !== undefined) pairs.push(['scope', scope]);
      } else {
        pairs.push(['token', token.token]);
      }
      pairs.push(...more);
      return {
        method: 'POST',
        path,
        headers: [
          ['Content-Type', FORM],
          ...(credentials.header === undefined
            ? []
            : [['Authorization', latin1(credentials.header)] as [string, string]]),
        ],
        body: Buffer.from(rawBody ?? encodeForm(pairs), 'utf8'),
        presentsValidSecret: credentials.valid,
        presentsAdminToken: false,
      };
    });
}

function adminRequest(targets: FuzzTargets) {
  return fc
    .record({
      operation: fc.constantFrom(...targets.operations),
      parameter: fc.oneof(fc.constantFrom(...targets.existing), nastyString.map(percentEncode)),
      token: tokenArbitrary(targets),
      body: fc.option(jsonText, { freq: 4, nil: undefined }),
    })
    .map(
      ({ operation, parameter, token, body }): Parts => ({
        method: operation.method,
        path: `/api/v1${operation.path.replace(/\{[^}]+\}/g, parameter)}`,
        headers: [
          ['Authorization', latin1(`Bearer ${token.token}`)],
          ...(body === undefined ? [] : [['Content-Type', 'application/json'] as [string, string]]),
        ],
        body: Buffer.from(body ?? '', 'utf8'),
        presentsValidSecret: false,
        presentsAdminToken: token.index === 0,
      }),
    );
}

const publicRequest = fc.constantFrom(...PUBLIC_GETS).map(
  (path): Parts => ({
    method: 'GET',
    path,
    headers: [],
    body: Buffer.alloc(0),
    presentsValidSecret: false,
    presentsAdminToken: false,
  }),
);

type Mutation = (parts: Parts) => Parts;

const without = (parts: Parts, name: string) => parts.headers.filter(([header]) => header.toLowerCase() !== name);

/** What is done to a well-formed request: methods, headers, encodings and bodies it should not have. */
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 20, arbitrary: fc.constant((parts: Parts) => parts) },
  fc.constantFrom(...METHODS).map((method) => (parts: Parts) => ({ ...parts, method })),
  fc
    .constantFrom(
      'text/plain',
      'application/json',
      'multipart/form-data; boundary=x',
      `${FORM}; charset=utf-16`,
      `${FORM}; charset=iso-8859-1`,
      `${FORM.toUpperCase()}`,
      ' ',
      `${FORM}, application/json`,
      'application/merge-patch+json',
    )
    .map(
      (type): Mutation =>
        (parts) => ({ ...parts, headers: [...without(parts, 'content-type'), ['Content-Type', type]] }),
    ),
  fc.constant((parts: Parts): Parts => ({ ...parts, headers: [...parts.headers, ...parts.headers] })),
  fc.tuple(fc.constantFrom('Authorization', 'Content-Type', 'X-Forwarded-For', 'Host', 'Cookie'), nastyString).map(
    ([name, value]): Mutation =>
      (parts) => ({ ...parts, headers: [...parts.headers, [name, latin1(value)]] }),
  ),
  fc.integer({ min: 1_000, max: 40_000 }).map(
    (size): Mutation =>
      (parts) => ({ ...parts, headers: [...parts.headers, ['X-Padding', 'p'.repeat(size)]] }),
  ),
  fc.constant((parts: Parts) => ({
    ...parts,
    headers: [...parts.headers, ['X-Latin1', '\u00ff\u00fe\u0080'] as [string, string]],
  })),
  fc.nat().map((cut) => (parts: Parts) => ({
    ...parts,
    body: parts.body.subarray(0, parts.body.length ? cut % parts.body.length : 0),
  })),
  fc.constant((parts: Parts) => ({ ...parts, body: Buffer.from(parts.body.toString('utf8'), 'latin1') })),
  fc.constant((parts: Parts) => ({
    ...parts,
    body: Buffer.concat([parts.body, Buffer.from([0xed, 0xa0, 0x80, 0xff])]),
  })),
  fc.constant((parts: Parts) => ({ ...parts, body: Buffer.alloc(100_000, 'a') })),
  fc.constant((parts: Parts) => ({
    ...parts,
    body: Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(parts.body.toString(), 'utf16le')]),
  })),
  { weight: 1, arbitrary: fc.constant((parts: Parts) => ({ ...parts, declaredLength: parts.body.length + 10 })) },
);

/** Requests to every endpoint: OAuth, admin (every documented operation), discovery, JWKS, operations. */
export function fuzzCases(targets: FuzzTargets): fc.Arbitrary<FuzzCase> {
  return fc
    .tuple(
      fc.oneof(
        { weight: 6, arbitrary: oauthRequest(targets) },
        { weight: 4, arbitrary: adminRequest(targets) },
        { weight: 1, arbitrary: publicRequest },
      ),
      mutation,
    )
    .chain(([parts, mutate]) => pathVariant(parts.path).map((path) => mutate({ ...parts, path })))
    .map((parts) => ({
      request: {
        method: parts.method,
        target: parts.path,
        headers: parts.headers,
        body: parts.body,
        ...(parts.declaredLength === undefined ? {} : { declaredLength: parts.declaredLength }),
      },
      presentsValidSecret: parts.presentsValidSecret,
      presentsAdminToken: parts.presentsAdminToken,
    }));
}

/** `FUZZ_RUNS` and `FUZZ_SEED` (`npm run fuzz`); a fresh seed each run otherwise, printed on failure. */
export function fuzzParameters(defaultRuns: number): { numRuns: number; seed: number } {
  return {
    numRuns: Number(process.env.FUZZ_RUNS ?? defaultRuns),
    seed:
      process.env.FUZZ_SEED === undefined ? Date.now() ^ (Math.random() * 0x7fffffff) : Number(process.env.FUZZ_SEED),
  };
}
