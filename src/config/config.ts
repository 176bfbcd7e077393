import { availableParallelism } from 'node:os';
import { ConfigError } from './errors.js';
import { JOB_TIMINGS_VARIABLE, type JobTimings, parseJobTimings } from './job-timings.js';
import type { ProxyTrust } from './proxy-trust.js';
import { type RedisTarget, redisTargetOf } from './redis-target.js';
import { type ParsedVariables, type SigningAlgorithm, VARIABLES } from './variables.js';

export interface Config {
  readonly port: number;
  readonly issuer: string;
  readonly tokenAudience: string;
  readonly databaseUrl: string | undefined;
  readonly dataDir: string;
  /** Where the state instances share lives; unset in single-node mode. */
  readonly redis: RedisTarget | undefined;
  readonly initialAdmin: { readonly clientId: string; readonly clientSecret: string } | undefined;
  readonly signingAlg: SigningAlgorithm;
  readonly keyRotationIntervalMs: number;
  readonly proxyTrust: ProxyTrust;
  readonly workers: number;
  readonly clientCacheTtlMs: number;
  readonly maxSessionsPerClient: number;
  readonly rateLimits: RateLimits;
  readonly adminCorsOrigins: readonly string[];
  readonly dpop: DpopSettings;
  readonly mtls: MtlsSettings;
  readonly clientAuthentication: ClientAuthenticationLimits;
  readonly keyEncryptionKey: string | undefined;
  readonly keysDir: string;
  /** 0 keeps audit events forever. */
  readonly auditRetentionDays: number;
  /** Where token.issued events go: a row and a log line, or the log line only. */
  readonly auditTokenEvents: 'database' | 'log';
  readonly logLevel: ParsedVariables['logLevel'];
  /** True when the database or the session store is embedded, so only one process may use them. */
  readonly singleNode: boolean;
  /** Internal, set by tests only (see job-timings.ts); empty in every real deployment. */
  readonly jobTimings: JobTimings;
}

interface MtlsSettings {
  /** TLS_CERT_FILE and TLS_KEY_FILE: Tollgate serves HTTPS itself. */
  readonly serve: { readonly certFile: string; readonly keyFile: string } | undefined;
  readonly clientCaFile: string | undefined;
  readonly trustForwardedCertificate: boolean;
}

interface DpopSettings {
  readonly nonceRequired: boolean;
  /** How old a proof's `iat` may be, besides CLOCK_SKEW_SECONDS. */
  readonly proofMaxAgeMs: number;
}

interface RateLimits {
  /** Failed authentications per (client_id, IP) and per IP within `failureWindowMs`; 0 = no limit. */
  readonly failuresPerClientIp: number;
  readonly failuresPerIp: number;
  readonly failureWindowMs: number;
  /** Tokens issued per client within `tokenWindowMs`; 0 = no limit. */
  readonly tokensPerClient: number;
  readonly tokenWindowMs: number;
}

/** The bounds on assertions and on fetching other parties' keys (client-auth/). */
export interface ClientAuthenticationLimits {
  /** Hosts that may be fetched over http and at non-public addresses. */
  readonly allowedHosts: readonly string[];
  readonly assertionMaxLifetimeMs: number;
  readonly federatedTokenMaxLifetimeMs: number;
}

export type Environment = Readonly<Record<string, string | undefined>>;

function parseVariables(env: Environment): ParsedVariables {
  const parsed: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(VARIABLES)) {
    const raw = env[spec.name];
    const result = spec.schema.safeParse(raw === '' ? undefined : raw);
    if (!result.success) {
      throw new ConfigError(spec.name, result.error.issues.map((issue) => issue.message).join('; '));
    }
    parsed[key] = result.data;
  }
  return parsed as ParsedVariables;
}

function mtlsSettings(vars: ParsedVariables): MtlsSettings {
  const { tlsCertFile: certFile, tlsKeyFile: keyFile } = vars;
  if (!certFile !== !keyFile) {
    const missing = certFile ? VARIABLES.tlsKeyFile.name : VARIABLES.tlsCertFile.name;
    throw new ConfigError(missing, 'must be set together with its pair, or both left unset');
  }
  if (vars.trustProxyClientCert && vars.trustProxy.kind !== 'networks') {
    throw new ConfigError(
      VARIABLES.trustProxyClientCert.name,
      'needs TRUST_PROXY as a list of proxy addresses or CIDRs: a forwarded certificate is believed from those only',
    );
  }
  return {
    serve: certFile && keyFile ? { certFile, keyFile } : undefined,
    clientCaFile: vars.tlsClientCaFile,
    trustForwardedCertificate: vars.trustProxyClientCert,
  };
}

function initialAdmin(vars: ParsedVariables): Config['initialAdmin'] {
  const { initialAdminClientId: clientId, initialAdminClientSecret: clientSecret } = vars;
  if (clientId && clientSecret) return { clientId, clientSecret };
  if (clientId || clientSecret) {
    const missing = clientId ? VARIABLES.initialAdminClientSecret.name : VARIABLES.initialAdminClientId.name;
    throw new ConfigError(missing, 'must be set together with its pair, or both left unset');
  }
  return undefined;
}

/** Reads and validates the environment once at startup; a bad value throws a ConfigError naming the variable. */
export function loadConfig(env: Environment = process.env): Config {
  const vars = parseVariables(env);
  const mtls = mtlsSettings(vars);
  const issuer = vars.issuer ?? `${mtls.serve ? 'https' : 'http'}://localhost:${vars.port}`;
  const redis = redisTargetOf(vars);
  const singleNode = !vars.databaseUrl || !redis;
  if (singleNode && vars.workers !== undefined && vars.workers > 1) {
    throw new ConfigError(
      VARIABLES.workers.name,
      'more than one worker needs DATABASE_URL and Redis (REDIS_URL, REDIS_CLUSTER_NODES or REDIS_SENTINELS)',
    );
  }
  return {
    port: vars.port,
    issuer,
    tokenAudience: vars.tokenAudience ?? `${issuer}/api`,
    databaseUrl: vars.databaseUrl,
    dataDir: vars.dataDir,
    redis,
    initialAdmin: initialAdmin(vars),
    signingAlg: vars.signingAlg,
    keyRotationIntervalMs: vars.keyRotationInterval,
    proxyTrust: vars.trustProxy,
    workers: vars.workers ?? (singleNode ? 1 : availableParallelism()),
    clientCacheTtlMs: vars.clientCacheTtlMs,
    maxSessionsPerClient: vars.maxSessionsPerClient,
    rateLimits: {
      failuresPerClientIp: vars.authFailuresPerClientIp,
      failuresPerIp: vars.authFailuresPerIp,
      failureWindowMs: vars.authFailureWindowMs,
      tokensPerClient: vars.tokensPerClient,
      tokenWindowMs: vars.tokenWindowMs,
    },
    adminCorsOrigins: vars.adminCorsOrigins,
    mtls,
    dpop: { nonceRequired: vars.dpopNonceRequired, proofMaxAgeMs: vars.dpopProofMaxAgeMs },
    clientAuthentication: {
      allowedHosts: vars.clientKeysAllowedHosts,
      assertionMaxLifetimeMs: vars.clientAssertionMaxLifetimeMs,
      federatedTokenMaxLifetimeMs: vars.federatedTokenMaxLifetimeMs,
    },
    keyEncryptionKey: vars.keyEncryptionKey,
    keysDir: vars.keysDir,
    auditRetentionDays: vars.auditRetentionDays,
    auditTokenEvents: vars.auditTokenEvents,
    logLevel: vars.logLevel,
    singleNode,
    jobTimings: parseJobTimings(env[JOB_TIMINGS_VARIABLE]),
  };
}
