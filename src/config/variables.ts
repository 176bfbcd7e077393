import { z } from 'zod';
import {
  ACCESS_TOKEN_TTL_SECONDS,
  CLIENT_STALE_IF_ERROR_MS,
  CLOCK_SKEW_SECONDS,
  describeSeconds,
  MAX_JWKS_MAX_AGE_SECONDS,
} from './constants.js';
import { parseDuration } from './duration.js';
import { NO_PROXY, parseProxyTrust } from './proxy-trust.js';

/**
 * Every environment variable Tollgate reads, with its default and meaning, in one place.
 * The README's configuration table is written from this list (`npm run docs:config`).
 */
export interface VariableSpec<T> {
  readonly name: string;
  /** The default as a user would write it, or a sentence when the default is derived. */
  readonly defaultText: string;
  readonly description: string;
  readonly schema: z.ZodType<T>;
}

function variable<T>(spec: VariableSpec<T>): VariableSpec<T> {
  return spec;
}

const duration = (min: number, max: number) =>
  z.string().transform((text, ctx) => {
    const ms = parseDuration(text);
    if (ms === null || ms < min || ms > max) {
      ctx.addIssue({
        code: 'custom',
        message: `expected a duration such as 90s, 12h or 30d between ${min} ms and ${max} ms`,
      });
      return z.NEVER;
    }
    return ms;
  });

const integer = (min: number, max: number) =>
  z.string().regex(/^\d+$/, 'expected a whole number').transform(Number).pipe(z.number().int().min(min).max(max));

const httpUrl = z
  .url({ protocol: /^https?$/ })
  .refine((v) => !new URL(v).search && !new URL(v).hash, 'must have no query or fragment')
  .transform((v) => v.replace(/\/+$/, ''));

const optionalSecret = z.string().min(1).optional();

/** `host:port,host:port` (IPv6 hosts in brackets), as Redis Cluster and Sentinel tools write node lists. */
const hostPorts = z.string().transform((text, ctx) => {
  const nodes = [];
  for (const entry of text.split(',').map((part) => part.trim())) {
    const match = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(entry);
    const port = Number(match?.[2]);
    if (!match || port < 1 || port > 65535) {
      ctx.addIssue({ code: 'custom', message: `"${entry}" is not host:port` });
      return z.NEVER;
    }
    nodes.push({ host: match[1]!.replace(/^\[|\]$/g, ''), port });
  }
  return nodes;
});

const flag = z
  .enum(['true', 'false', '1', '0'], 'expected true or false')
  .transform((value) => value === 'true' || value === '1');

export const SIGNING_ALGORITHMS = ['RS256', 'PS256', 'ES256', 'EdDSA'] as const;
export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number];

export const VARIABLES = {
  port: variable({
    name: 'PORT',
    defaultText: '3000',
    description: 'HTTP port; the server listens on all interfaces, IPv4 and IPv6.',
    schema: integer(0, 65535).default(3000),
  }),
  issuer: variable({
    name: 'ISSUER',
    defaultText: '`http://localhost:$PORT` (`https` with `TLS_CERT_FILE`)',
    description: 'The `iss` of every token and the base URL of every advertised endpoint.',
    schema: httpUrl.optional(),
  }),
  databaseUrl: variable({
    name: 'DATABASE_URL',
    defaultText: 'unset: embedded Postgres (PGlite) under `DATA_DIR`',
    description: 'PostgreSQL connection string, e.g. `postgres://user@host:5432/tollgate`.',
    schema: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'expected a postgres:// URL')
      .optional(),
  }),
  dataDir: variable({
    name: 'DATA_DIR',
    defaultText: '`./data`',
    description:
      'Where the embedded database lives when `DATABASE_URL` is unset. Created with mode 0700 (files 0600); an existing directory that group or others may access is refused at startup.',
    schema: z.string().min(1).default('./data'),
  }),
  redisUrl: variable({
    name: 'REDIS_URL',
    defaultText: 'unset: in-process session store',
    description:
      'One Redis (7.0 or later): a connection string such as `redis://host:6379/0`, or `rediss://user:password@host:6380/0` for TLS and an ACL user. For a Redis Cluster set `REDIS_CLUSTER_NODES` instead, for a Sentinel group `REDIS_SENTINELS`; exactly one of the three.',
    schema: z
      .string()
      .regex(/^rediss?:\/\//, 'expected a redis:// or rediss:// URL')
      .optional(),
  }),
  redisClusterNodes: variable({
    name: 'REDIS_CLUSTER_NODES',
    defaultText: 'unset',
    description:
      'A Redis Cluster (7.0 or later): some of its nodes as comma-separated `host:port` (e.g. `redis-1:6379,redis-2:6379,redis-3:6379`); the rest are discovered. Every Redis use (sessions, limits, the change feed over sharded pub/sub, readiness, the CLI) goes to the master of the slot concerned. Credentials and TLS: `REDIS_USERNAME`, `REDIS_PASSWORD`, `REDIS_TLS`.',
    schema: hostPorts.optional(),
  }),
  redisSentinels: variable({
    name: 'REDIS_SENTINELS',
    defaultText: 'unset',
    description:
      "A Redis Sentinel group: its sentinels as comma-separated `host:port`, with `REDIS_SENTINEL_NAME`. Tollgate asks them for the current master and follows failovers. Credentials and TLS for the master: `REDIS_USERNAME`, `REDIS_PASSWORD`, `REDIS_TLS` (which also applies to the sentinels); the sentinels' own password: `REDIS_SENTINEL_PASSWORD`.",
    schema: hostPorts.optional(),
  }),
  redisSentinelName: variable({
    name: 'REDIS_SENTINEL_NAME',
    defaultText: 'unset; required with `REDIS_SENTINELS`',
    description: 'The master name the sentinels monitor (`sentinel monitor <name> …`).',
    schema: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,128}$/, 'expected 1-128 characters of A-Z a-z 0-9 . _ -')
      .optional(),
  }),
  redisUsername: variable({
    name: 'REDIS_USERNAME',
    defaultText: 'unset: `default`',
    description:
      'ACL user for `REDIS_CLUSTER_NODES` and `REDIS_SENTINELS` (with `REDIS_URL`, put it in the URL). Needs the commands Tollgate uses on `tg:*` keys and channels, plus `CLUSTER`/`INFO`.',
    schema: z.string().min(1).optional(),
  }),
  redisPassword: variable({
    name: 'REDIS_PASSWORD',
    defaultText: 'unset',
    description:
      'Password (`requirepass` or of `REDIS_USERNAME`) for `REDIS_CLUSTER_NODES` and `REDIS_SENTINELS` (with `REDIS_URL`, put it in the URL).',
    schema: optionalSecret,
  }),
  redisTls: variable({
    name: 'REDIS_TLS',
    defaultText: '`false`',
    description:
      '`true`: TLS to every cluster node, or to the sentinels and the master, verified against the system CAs (`NODE_EXTRA_CA_CERTS` adds yours): the `rediss://` of `REDIS_CLUSTER_NODES` and `REDIS_SENTINELS`.',
    schema: flag.default(false),
  }),
  redisSentinelPassword: variable({
    name: 'REDIS_SENTINEL_PASSWORD',
    defaultText: 'unset',
    description: "The sentinels' own password (`requirepass` in sentinel.conf), when they have one.",
    schema: optionalSecret,
  }),
  redisMinReplicasAck: variable({
    name: 'REDIS_MIN_REPLICAS_ACK',
    defaultText: '`0`',
    description:
      'Durability of sessions across a Redis failover. `0`: a token is returned once its master has its session; replication is asynchronous, so a master lost in the next moments can take the sessions of tokens just issued with it (introspection then answers inactive). `N`: the token is returned only once N replicas of that master have the session too (Redis `WAIT`, at most 500 ms; otherwise 503 and the session is discarded), at a cost in tokens/s (see Scaling out).',
    schema: integer(0, 16).default(0),
  }),
  tokenAudience: variable({
    name: 'TOKEN_AUDIENCE',
    defaultText: '`$ISSUER/api`',
    description: 'The `aud` of every access token; resource servers check it.',
    schema: z.string().min(1).optional(),
  }),
  initialAdminClientId: variable({
    name: 'INITIAL_ADMIN_CLIENT_ID',
    defaultText: 'unset',
    description:
      'With `INITIAL_ADMIN_CLIENT_SECRET`: when no admin client exists yet, create one with these credentials. When both are unset and none exists, one is generated and its credentials written once to `initial-admin.env` in `KEYS_DIR` (mode 0600, never to the log), and shown on the terminal if there is one.',
    schema: z
      .string()
      .regex(/^[A-Za-z0-9._~-]{1,128}$/, 'expected 1-128 characters of A-Z a-z 0-9 . _ ~ -')
      .optional(),
  }),
  initialAdminClientSecret: variable({
    name: 'INITIAL_ADMIN_CLIENT_SECRET',
    defaultText: 'unset',
    description:
      'See `INITIAL_ADMIN_CLIENT_ID`; at least 32 characters of `A-Z a-z 0-9 _ -`, so it works unchanged in HTTP Basic credentials (`curl -u`).',
    schema: z
      .string()
      .regex(/^[A-Za-z0-9_-]{32,512}$/, 'must be 32-512 characters of A-Z a-z 0-9 _ - (e.g. openssl rand -hex 32)')
      .optional(),
  }),
  signingAlg: variable({
    name: 'SIGNING_ALG',
    defaultText: '`RS256`',
    description:
      'Algorithm of the signing key: `RS256`, `PS256`, `ES256` or `EdDSA`. A change takes effect through a normal rotation: at startup the unused `next` key is replaced by one of the new algorithm, which starts signing once it has been published long enough. Every instance must use the same value.',
    schema: z.enum(SIGNING_ALGORITHMS).default('RS256'),
  }),
  keyRotationInterval: variable({
    name: 'KEY_ROTATION_INTERVAL',
    defaultText: '`30d`',
    description: `How long a signing key signs before the published \`next\` key replaces it. The JWKS \`Cache-Control: max-age\` is the smaller of ${describeSeconds(MAX_JWKS_MAX_AGE_SECONDS)} and a quarter of this, and a \`next\` key is published at least that long (plus one key poll) before it signs. Retired keys stay published for ${describeSeconds(ACCESS_TOKEN_TTL_SECONDS)} plus ${describeSeconds(CLOCK_SKEW_SECONDS)} of clock skew, so short intervals publish many keys. Every instance must use the same value.`,
    schema: duration(1_000, 365 * 86_400_000).default(30 * 86_400_000),
  }),
  trustProxy: variable({
    name: 'TRUST_PROXY',
    defaultText: '`false`',
    description:
      "Where the client IP comes from behind a load balancer. A comma-separated list of your proxies' addresses or CIDRs (recommended): `X-Forwarded-For` is believed only from them, right to left. `true`: the right-most `X-Forwarded-For` entry from any peer (one proxy; only safe when the port is reachable through the proxy alone); a number N: N hops. `false`: the TCP peer.",
    schema: z
      .string()
      .transform((value, ctx) => {
        const trust = parseProxyTrust(value.trim());
        if (trust === null) {
          ctx.addIssue({
            code: 'custom',
            message: 'expected true, false, a number of proxy hops, or a comma-separated list of IP addresses/CIDRs',
          });
          return z.NEVER;
        }
        return trust;
      })
      .default(NO_PROXY),
  }),
  dpopNonceRequired: variable({
    name: 'DPOP_NONCE_REQUIRED',
    defaultText: '`false`',
    description:
      "Whether a DPoP proof at the token endpoint must carry a server nonce (RFC 9449 §8). Without one the answer is `400 use_dpop_nonce` with a fresh `DPoP-Nonce` header, which client libraries retry with at once. Turn it on when a client's clock cannot be trusted or proofs could be made in advance (a compromised host pre-generating proofs for later): a proof then lives only as long as its nonce (5 to 10 minutes). Nonces are derived from the key-encryption key and the time, so every instance accepts every other's without shared state. Costs clients one extra request per nonce period.",
    schema: flag.default(false),
  }),
  dpopProofMaxAgeMs: variable({
    name: 'DPOP_PROOF_MAX_AGE',
    defaultText: '`60s`',
    description: `How old a DPoP proof (its \`iat\`) may be at the token endpoint, plus ${describeSeconds(CLOCK_SKEW_SECONDS)} of clock skew either way. Its \`jti\` is remembered that long (in Redis, shared by every instance) so each proof is used once.`,
    schema: duration(1_000, 600_000).default(60_000),
  }),
  tlsCertFile: variable({
    name: 'TLS_CERT_FILE',
    defaultText: 'unset: plain HTTP',
    description:
      'With `TLS_KEY_FILE`: serve HTTPS on `PORT` with this PEM certificate (chain). Client certificates are then requested but not required, so mutual TLS (RFC 8705: `tls_client_auth`, `self_signed_tls_client_auth`, certificate-bound tokens) works beside every other client.',
    schema: z.string().min(1).optional(),
  }),
  tlsKeyFile: variable({
    name: 'TLS_KEY_FILE',
    defaultText: 'unset',
    description: "The PEM private key of `TLS_CERT_FILE`; readable by Tollgate's user only.",
    schema: z.string().min(1).optional(),
  }),
  tlsClientCaFile: variable({
    name: 'TLS_CLIENT_CA_FILE',
    defaultText: 'unset: no `tls_client_auth`',
    description:
      'PEM certificates of the CAs whose client certificates `tls_client_auth` accepts (with `TLS_CERT_FILE`, or for certificates forwarded by a proxy). `self_signed_tls_client_auth` and certificate-bound tokens need no CA.',
    schema: z.string().min(1).optional(),
  }),
  trustProxyClientCert: variable({
    name: 'TRUST_PROXY_CLIENT_CERT',
    defaultText: '`false`',
    description:
      "`true`: believe the client certificate a TLS-terminating proxy forwards in the `Client-Cert` header (RFC 9440 `:base64 DER:`, or URL-encoded PEM as nginx's `$ssl_client_escaped_cert`), only from the proxies `TRUST_PROXY` lists by address (never with `TRUST_PROXY=true` or a hop count). The proxy must overwrite that header on every request, or a client could forge it.",
    schema: flag.default(false),
  }),
  workers: variable({
    name: 'WORKERS',
    defaultText:
      'number of CPU cores when `DATABASE_URL` and Redis (`REDIS_URL`, `REDIS_CLUSTER_NODES` or `REDIS_SENTINELS`) are set, else 1',
    description: 'HTTP worker processes. The embedded database and session store are single-process, so they force 1.',
    schema: integer(1, 256).optional(),
  }),
  clientCacheTtlMs: variable({
    name: 'CLIENT_CACHE_TTL',
    defaultText: '`5s`',
    description: `How long a worker trusts a cached client record on the token endpoint. Admin changes evict it at once on every instance; the TTL bounds staleness if that notice is lost. While Postgres is down, a cached client keeps serving for up to ${describeSeconds(CLIENT_STALE_IF_ERROR_MS / 1_000)} past its TTL.`,
    schema: duration(1, 300_000).default(5_000),
  }),
  maxSessionsPerClient: variable({
    name: 'MAX_SESSIONS_PER_CLIENT',
    defaultText: '`10000`',
    description:
      'Live tokens one client may hold. Past it the token endpoint answers `unauthorized_client` instead of evicting tokens that may be in use; `0` means no cap.',
    schema: integer(0, 10_000_000).default(10_000),
  }),
  authFailuresPerClientIp: variable({
    name: 'RATE_LIMIT_AUTH_FAILURES_PER_CLIENT_IP',
    defaultText: '`10`',
    description:
      'Failed client authentications allowed for one client_id from one IP address per `RATE_LIMIT_AUTH_FAILURE_WINDOW`; past it that pair gets `429 slow_down` until the window ends. The same client_id from another address is not affected. `0` turns the limit off.',
    schema: integer(0, 1_000_000).default(10),
  }),
  authFailuresPerIp: variable({
    name: 'RATE_LIMIT_AUTH_FAILURES_PER_IP',
    defaultText: '`100`',
    description:
      "Failed client authentications allowed from one IP address, whatever the client_id, per `RATE_LIMIT_AUTH_FAILURE_WINDOW`; requests without valid credentials (none, a malformed client_id or header, a wrong content type) count too. Behind a load balancer set `TRUST_PROXY`, or every caller shares the balancer's address. `0` turns the limit off.",
    schema: integer(0, 1_000_000).default(100),
  }),
  authFailureWindowMs: variable({
    name: 'RATE_LIMIT_AUTH_FAILURE_WINDOW',
    defaultText: '`5m`',
    description: 'The fixed window both failed-authentication limits count in; it starts at the first failure.',
    schema: duration(1_000, 86_400_000).default(300_000),
  }),
  tokensPerClient: variable({
    name: 'RATE_LIMIT_TOKENS_PER_CLIENT',
    defaultText: '`600`',
    description: `Tokens one client may obtain per \`RATE_LIMIT_TOKEN_WINDOW\`, on all instances together; past it \`429 slow_down\` with \`Retry-After\`. Tokens live ${describeSeconds(ACCESS_TOKEN_TTL_SECONDS)}, so a well-behaved client needs few. \`0\` turns the limit off.`,
    schema: integer(0, 10_000_000).default(600),
  }),
  tokenWindowMs: variable({
    name: 'RATE_LIMIT_TOKEN_WINDOW',
    defaultText: '`1m`',
    description: 'The fixed window `RATE_LIMIT_TOKENS_PER_CLIENT` counts in; it starts at the first token.',
    schema: duration(1_000, 86_400_000).default(60_000),
  }),
  clientKeysAllowedHosts: variable({
    name: 'CLIENT_KEYS_ALLOWED_HOSTS',
    defaultText: 'unset: none',
    description:
      "Comma-separated host names (`host` or `host:port`) that Tollgate may fetch a client's `jwks_uri`, or a federated issuer's discovery document and keys, from over plain http or at loopback, private, link-local or metadata addresses, which are otherwise refused (after DNS resolution). For development and tests; leave unset in production.",
    schema: z
      .string()
      .transform((text, ctx) => {
        const hosts = text
          .split(',')
          .map((entry) => entry.trim().toLowerCase())
          .filter(Boolean);
        for (const host of hosts) {
          if (!URL.canParse(`http://${host}`) || new URL(`http://${host}`).host !== host) {
            ctx.addIssue({ code: 'custom', message: `"${host}" is not a host name such as keys.internal:8443` });
            return z.NEVER;
          }
        }
        return hosts;
      })
      .default([]),
  }),
  clientAssertionMaxLifetimeMs: variable({
    name: 'CLIENT_ASSERTION_MAX_LIFETIME',
    defaultText: '`5m`',
    description:
      "How far in the future a private_key_jwt client assertion's `exp` may be (plus 60 s of clock skew); a later one is refused. Its `jti` is remembered until it expires, in Redis shared by every instance (in process memory in single-node mode).",
    schema: duration(10_000, 3_600_000).default(300_000),
  }),
  federatedTokenMaxLifetimeMs: variable({
    name: 'FEDERATED_TOKEN_MAX_LIFETIME',
    defaultText: '`1h`',
    description:
      "How far in the future a workload identity token's `exp` may be (plus 60 s of clock skew) for workload identity federation; a longer-lived platform token is refused. Kubernetes projected tokens default to 1 h, GitHub Actions tokens live minutes.",
    schema: duration(60_000, 172_800_000).default(3_600_000),
  }),
  adminCorsOrigins: variable({
    name: 'ADMIN_CORS_ORIGINS',
    defaultText: 'unset: no CORS on the admin API',
    description:
      'Comma-separated origins (e.g. `https://console.example.com`) whose browser pages may call `/api/v1` with a bearer token. Unset, browsers refuse cross-origin admin calls. Discovery and JWKS are public documents and always allow any origin; the token, introspection and revocation endpoints never do.',
    schema: z
      .string()
      .transform((text, ctx) => {
        const origins = text
          .split(',')
          .map((entry) => entry.trim())
          .filter(Boolean);
        for (const origin of origins) {
          if (!URL.canParse(origin) || new URL(origin).origin !== origin) {
            ctx.addIssue({
              code: 'custom',
              message: `"${origin}" is not an origin such as https://console.example.com`,
            });
            return z.NEVER;
          }
        }
        return origins;
      })
      .default([]),
  }),
  keyEncryptionKey: variable({
    name: 'KEY_ENCRYPTION_KEY',
    defaultText: 'unset: `keys/key-encryption.key`, created with mode 0600 on first start',
    description: 'Base64 of 32 bytes; encrypts private signing keys at rest (AES-256-GCM).',
    schema: optionalSecret,
  }),
  keysDir: variable({
    name: 'KEYS_DIR',
    defaultText: '`./keys`',
    description:
      'Where the key-encryption key file lives when `KEY_ENCRYPTION_KEY` is unset, and where the generated initial admin credentials are written (`initial-admin.env`). Files are written 0600, and the directory is made 0700 when Tollgate writes one.',
    schema: z.string().min(1).default('./keys'),
  }),
  auditRetentionDays: variable({
    name: 'AUDIT_RETENTION_DAYS',
    defaultText: '`90`',
    description:
      'Days audit events stay in the database. Events are stored in one partition per UTC day, and a day is dropped whole once all of it is past the retention (checked hourly): an event goes between this many days and one day more after it happened. `0` keeps them forever. The audit log lines on stdout are not affected.',
    schema: integer(0, 36_500).default(90),
  }),
  auditTokenEvents: variable({
    name: 'AUDIT_TOKEN_EVENTS',
    defaultText: '`database`',
    description:
      'Where the `token.issued` event of every token goes. `database`: a row in audit_events (queryable through the audit API and export) and its log line. `log`: the log line only, for deployments that ship the log to a SIEM; at high token rates this saves nearly all audit writes and rows (5,000 tokens/s is 432 million rows a day), but the audit API and the console no longer show issued tokens. Every other event, denials included, is stored either way.',
    schema: z.enum(['database', 'log']).default('database'),
  }),
  logLevel: variable({
    name: 'LOG_LEVEL',
    defaultText: '`info`',
    description: 'pino log level: `fatal`, `error`, `warn`, `info`, `debug`, `trace` or `silent`.',
    schema: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  }),
} as const;

type Variables = typeof VARIABLES;
export type ParsedVariables = { [K in keyof Variables]: z.output<Variables[K]['schema']> };
