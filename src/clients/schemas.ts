import { createPublicKey, type JsonWebKeyInput } from 'node:crypto';
import { z } from 'zod';
import { pageQuerySchema } from '../http/api/pagination.js';
import { organizationIdSchema } from '../organizations/schemas.js';
import { normalizeAllowlistEntry } from '../x/ip-ranges.js';
import { atLeastOneField } from '../x/validation.js';

const MAX_ALLOWLIST_ENTRIES = 100;

const name = z.string().trim().min(1, 'must be 1-200 characters').max(200, 'must be 1-200 characters');
const role = z.string().min(1).max(64).describe('A built-in or custom role: GET /roles lists them.');
const status = z.enum(['active', 'inactive']);
const note = z.string().max(2000, 'must be at most 2000 characters');
const organizationId = organizationIdSchema
  .nullable()
  .describe(
    "The client's organization; null for a platform client. An org-admin's clients always land in its own organization.",
  );

const dpopBoundAccessTokens = z
  .boolean()
  .describe(
    'RFC 9449: every token request must carry a DPoP proof, and every token is bound to its key (`token_type: DPoP`, `cnf.jkt`). Switching it on revokes the tokens the client holds, which may be bearer tokens.',
  );

const certificateBoundAccessTokens = z
  .boolean()
  .describe(
    'RFC 8705: every token request must come over mutual TLS, and every token is bound to that client certificate (`cnf.x5t#S256`). Switching it on revokes the tokens the client holds.',
  );

const allowlistEntry = z
  .string()
  .max(64)
  .transform((entry, ctx) => {
    const normalized = normalizeAllowlistEntry(entry);
    if (normalized === null) {
      ctx.addIssue({ code: 'custom', message: `"${entry}" is not an IPv4/IPv6 address or CIDR` });
      return z.NEVER;
    }
    return normalized;
  });

const ipAllowlist = z
  .array(allowlistEntry)
  .max(MAX_ALLOWLIST_ENTRIES, `at most ${MAX_ALLOWLIST_ENTRIES} entries`)
  .transform((entries) => [...new Set(entries)])
  .describe('IPv4/IPv6 addresses or CIDR ranges allowed to request tokens; empty allows any address.');

/** How a client authenticates at the token, introspection and revocation endpoints. */
const TOKEN_ENDPOINT_AUTH_METHODS = [
  'client_secret_basic',
  'client_secret_post',
  'private_key_jwt',
  'tls_client_auth',
  'self_signed_tls_client_auth',
] as const;
export type TokenEndpointAuthMethod = (typeof TOKEN_ENDPOINT_AUTH_METHODS)[number];

const tokenEndpointAuthMethod = z
  .enum(TOKEN_ENDPOINT_AUTH_METHODS)
  .describe(
    'client_secret_basic or client_secret_post: the client holds a secret (either secret method works). private_key_jwt: no secret; the client signs assertions with a key of `jwks` or `jwks_uri`, or presents a token that one of its `federated_credentials` trusts. tls_client_auth (RFC 8705): no secret; a client certificate chaining to TLS_CLIENT_CA_FILE whose subject or SAN is the one tls_client_auth_* field registered. self_signed_tls_client_auth: no secret; a client certificate whose public key is one of `jwks`.',
  );

/** RFC 8705 §2.1.2: exactly one of these names the certificate a tls_client_auth client presents. */
export const TLS_CLIENT_AUTH_FIELDS = [
  'tls_client_auth_subject_dn',
  'tls_client_auth_san_dns',
  'tls_client_auth_san_uri',
  'tls_client_auth_san_ip',
  'tls_client_auth_san_email',
] as const;
export type TlsClientAuthField = (typeof TLS_CLIENT_AUTH_FIELDS)[number];

const tlsFieldValue = z.string().trim().min(1, 'must be 1-1000 characters').max(1000, 'must be 1-1000 characters');
const tlsFieldDescriptions: Record<TlsClientAuthField, string> = {
  tls_client_auth_subject_dn: 'The certificate subject, as an RFC 4514 string such as `CN=soar,O=Example`.',
  tls_client_auth_san_dns: 'A dNSName SAN the certificate must carry.',
  tls_client_auth_san_uri: 'A URI SAN the certificate must carry (a SPIFFE ID, say).',
  tls_client_auth_san_ip: 'An iPAddress SAN the certificate must carry.',
  tls_client_auth_san_email: 'An rfc822Name SAN the certificate must carry.',
};
const tlsFields = (wrap: (schema: typeof tlsFieldValue) => z.ZodType) =>
  Object.fromEntries(
    TLS_CLIENT_AUTH_FIELDS.map((field) => [field, wrap(tlsFieldValue).describe(tlsFieldDescriptions[field])]),
  ) as Record<TlsClientAuthField, z.ZodType<string | null>>;

/** The parts of a JWK that only a private key has (RFC 7518 §6); `k` is a shared secret. */
const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;
const MAX_JWKS_KEYS = 10;

const publicJwk = z
  .looseObject({
    kty: z.enum(['RSA', 'EC', 'OKP'], 'must be RSA, EC or OKP: symmetric keys are refused'),
    kid: z.string().min(1).max(200).optional(),
    use: z.literal('sig', 'must be sig').optional(),
    alg: z
      .enum(['RS256', 'PS256', 'ES256', 'EdDSA', 'Ed25519'], 'must be RS256, PS256, ES256, EdDSA or Ed25519')
      .optional(),
  })
  .superRefine((jwk, ctx) => {
    const privateParts = PRIVATE_JWK_MEMBERS.filter((member) => member in jwk);
    for (const member of privateParts)
      ctx.addIssue({ code: 'custom', path: [member], message: 'a private key part: register the public key only' });
    if (privateParts.length > 0) return;
    try {
      const key = createPublicKey({ key: jwk as unknown as JsonWebKeyInput['key'], format: 'jwk' });
      if (key.asymmetricKeyType === 'rsa' && (key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048)
        ctx.addIssue({ code: 'custom', message: 'an RSA key needs at least 2048 bits' });
    } catch {
      ctx.addIssue({ code: 'custom', message: 'not a valid public key' });
    }
  });

const jwks = z
  .strictObject({
    keys: z.array(publicJwk).min(1, 'needs at least one key').max(MAX_JWKS_KEYS, `at most ${MAX_JWKS_KEYS} keys`),
  })
  .describe("A JWK Set of the client's public signing keys (RS256, PS256, ES256 or EdDSA); private parts are refused.");
export type JsonWebKeySet = z.output<typeof jwks>;

const httpsUrl = z
  .url({ protocol: /^https?$/, error: 'must be an https URL' })
  .max(2000, 'must be at most 2000 characters')
  .refine((value) => !URL.canParse(value) || !new URL(value).hash, 'must have no fragment');

const jwksUri = httpsUrl.describe(
  "Where the client's JWK Set is fetched (https; http only for hosts in CLIENT_KEYS_ALLOWED_HOSTS).",
);

const MAX_FEDERATED_CREDENTIALS = 20;
const MAX_REQUIRED_CLAIMS = 20;

const federatedCredential = z.strictObject({
  issuer: httpsUrl.describe("The external issuer's identifier, exactly as its tokens' `iss` carries it."),
  jwks_uri: httpsUrl
    .optional()
    .describe(
      "The issuer's JWK Set; unset: found through its discovery document (<issuer>/.well-known/openid-configuration).",
    ),
  subject: z.string().min(1).max(500).describe('The exact `sub` of the workload tokens accepted.'),
  audience: z
    .string()
    .min(1)
    .max(500)
    .optional()
    .describe("What the workload token's `aud` must contain; unset: Tollgate's issuer."),
  claims: z
    .record(z.string().min(1).max(200), z.string().max(500))
    .refine((claims) => Object.keys(claims).length <= MAX_REQUIRED_CLAIMS, `at most ${MAX_REQUIRED_CLAIMS} claims`)
    .optional()
    .describe('Other claims the token must carry with exactly these values, e.g. {"repository": "org/repo"}.'),
});
export type FederatedCredential = z.output<typeof federatedCredential>;

const federatedCredentials = z
  .array(federatedCredential)
  .max(MAX_FEDERATED_CREDENTIALS, `at most ${MAX_FEDERATED_CREDENTIALS} credentials`)
  .describe(
    'External identity providers whose tokens authenticate this private_key_jwt client (workload identity federation).',
  );

export const createClientSchema = z.strictObject({
  name,
  role,
  organization_id: organizationId.optional(),
  ip_allowlist: ipAllowlist.default([]),
  status: status.default('active'),
  note: note.default(''),
  dpop_bound_access_tokens: dpopBoundAccessTokens.default(false),
  tls_client_certificate_bound_access_tokens: certificateBoundAccessTokens.default(false),
  ...tlsFields((value) => value.nullable().default(null)),
  token_endpoint_auth_method: tokenEndpointAuthMethod.default('client_secret_basic'),
  jwks: jwks.nullable().default(null),
  jwks_uri: jwksUri.nullable().default(null),
  federated_credentials: federatedCredentials.default([]),
});

export const updateClientSchema = atLeastOneField(
  z.strictObject({
    name: name.optional(),
    role: role.optional(),
    organization_id: organizationId.optional(),
    ip_allowlist: ipAllowlist.optional(),
    status: status.optional(),
    note: note.optional(),
    dpop_bound_access_tokens: dpopBoundAccessTokens.optional(),
    tls_client_certificate_bound_access_tokens: certificateBoundAccessTokens.optional(),
    ...tlsFields((value) => value.nullable().optional()),
    token_endpoint_auth_method: tokenEndpointAuthMethod.optional(),
    jwks: jwks.nullable().optional(),
    jwks_uri: jwksUri.nullable().optional(),
    federated_credentials: federatedCredentials.optional(),
  }),
);

/** The longest a previous secret may keep working after a rotation: 7 days. */
const MAX_GRACE_PERIOD_SECONDS = 604_800;

export const rotateSecretSchema = z.strictObject({
  grace_period_seconds: z
    .number()
    .int('must be a whole number of seconds')
    .min(0, `must be between 0 and ${MAX_GRACE_PERIOD_SECONDS}`)
    .max(MAX_GRACE_PERIOD_SECONDS, `must be between 0 and ${MAX_GRACE_PERIOD_SECONDS}`)
    .default(0),
});

/** Generated ids are `tgc_` + 24 hex characters; INITIAL_ADMIN_CLIENT_ID may be any such string. */
const CLIENT_ID = /^[A-Za-z0-9._~-]{1,128}$/;
const MAX_CLIENT_ID_LENGTH = 128;

/**
 * Whether some client could have this id. Anything else that arrives as a client_id names no client and
 * is never looked up, logged or stored as it is; the length is checked first, so a regular expression
 * never reads a caller's 16 KB.
 */
export function isWellFormedClientId(value: string): boolean {
  return value.length <= MAX_CLIENT_ID_LENGTH && CLIENT_ID.test(value);
}

export const clientIdSchema = z.string().regex(CLIENT_ID, 'not a valid client_id');

export const clientPathSchema = z.object({ client_id: clientIdSchema });

export const clientListQuerySchema = pageQuerySchema.extend({
  organization_id: organizationIdSchema.optional().describe("Only this organization's clients."),
  role: role.optional().describe('Only clients with this role.'),
  status: status.optional().describe('Only active or only inactive clients.'),
  q: z
    .string()
    .trim()
    .min(1, 'must be 1-200 characters')
    .max(200, 'must be 1-200 characters')
    .optional()
    .describe('Only clients whose name contains this text (any case) or whose client_id starts with it.'),
});

export const clientSchema = z.object({
  client_id: z.string(),
  name: z.string(),
  role: z.string(),
  organization_id: z.string().nullable(),
  ip_allowlist: z.array(z.string()),
  status,
  note: z.string(),
  token_endpoint_auth_method: z.enum(TOKEN_ENDPOINT_AUTH_METHODS),
  jwks: z.object({ keys: z.array(z.record(z.string(), z.unknown())) }).nullable(),
  jwks_uri: z.string().nullable(),
  federated_credentials: z.array(federatedCredential),
  created_by: z.string().nullable(),
  created_at: z.iso.datetime(),
  updated_at: z.iso.datetime(),
  last_used_at: z.iso.datetime().nullable().describe('When the client last got a token, to the minute.'),
  dpop_bound_access_tokens: dpopBoundAccessTokens,
  tls_client_certificate_bound_access_tokens: certificateBoundAccessTokens,
  ...tlsFields((value) => value.nullable()),
});

export const rotatedSecretSchema = z.object({
  client_id: z.string(),
  client_secret: z.string().describe('Shown only in this response: store it now.'),
  previous_secret_expires_at: z.iso
    .datetime()
    .nullable()
    .describe('When the previous secret stops working; null when it stopped at once.'),
});

export const createdClientSchema = clientSchema.extend({
  client_secret: z
    .string()
    .optional()
    .describe('Shown only in this response: store it now. Absent for a private_key_jwt client, which has no secret.'),
});

export const clientPageSchema = z.object({
  items: z.array(clientSchema),
  next_cursor: z.string().nullable(),
});

export type ClientListQuery = z.output<typeof clientListQuerySchema>;
export type ClientResource = z.output<typeof clientSchema>;
export type CreatedClient = z.output<typeof createdClientSchema>;
export type ClientPage = z.output<typeof clientPageSchema>;
export type RotatedSecret = z.output<typeof rotatedSecretSchema>;
