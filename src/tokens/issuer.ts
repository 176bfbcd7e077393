import { randomUUID } from 'node:crypto';
import { ACCESS_TOKEN_TTL_SECONDS } from '../config/constants.js';
import type { KeyManager } from '../keys/key-manager.js';
import type { CreateLimits, SessionStore } from '../sessions/types.js';
import type { Confirmation } from '../x/confirmation.js';
import { TollgateError } from '../x/errors.js';
import { signCompact } from './jws.js';
import { ACCESS_TOKEN_HEADER, type AccessTokenClaims, type IssuedToken } from './types.js';

export interface TokenIssuerOptions {
  readonly issuer: string;
  readonly audience: string;
  readonly limits: CreateLimits;
}

export interface TokenGrant {
  readonly clientId: string;
  readonly role: string;
  readonly scopes: readonly string[];
  readonly organizationId: string | null;
  readonly ip: string;
  /** Binds the token to a key (DPoP, client certificate); absent for a bearer token. */
  readonly confirmation?: Confirmation;
}

/** The client already holds the configured maximum of live tokens. */
export class SessionLimitReachedError extends TollgateError {
  readonly code = 'session_limit_reached';

  constructor(readonly limit: number) {
    super(`client holds the maximum of ${limit} live tokens`);
  }
}

/** The client obtained its maximum of tokens for the current rate-limit window. */
export class IssuanceRateExceededError extends TollgateError {
  readonly code = 'issuance_rate_exceeded';

  constructor(readonly retryAfterMs: number) {
    super('client exceeded its token issuance rate');
  }
}

/** Signs an access token and records its session; a token whose session could not be stored is never returned. */
export class TokenIssuer {
  constructor(
    private readonly keys: KeyManager,
    private readonly sessions: SessionStore,
    private readonly options: TokenIssuerOptions,
  ) {}

  async issue(grant: TokenGrant): Promise<IssuedToken> {
    const issuedAtMs = Date.now();
    const iat = Math.floor(issuedAtMs / 1000);
    const claims: AccessTokenClaims = {
      iss: this.options.issuer,
      sub: grant.clientId,
      client_id: grant.clientId,
      aud: this.options.audience,
      scope: grant.scopes.join(' '),
      role: grant.role,
      // randomUUID draws from a pooled entropy buffer: several times cheaper than randomBytes per call.
      jti: randomUUID(),
      iat,
      exp: iat + ACCESS_TOKEN_TTL_SECONDS,
      ...(grant.organizationId ? { org_id: grant.organizationId } : {}),
      ...(grant.confirmation ? { cnf: grant.confirmation } : {}),
    };
    const key = this.keys.current().active;
    // Signing (thread pool) and the Redis write overlap; the token is only returned if both succeed.
    const [accessToken, stored] = await Promise.all([
      signCompact(ACCESS_TOKEN_HEADER, claims, key),
      this.sessions.create(
        {
          jti: claims.jti,
          client_id: grant.clientId,
          scope: claims.scope,
          issued_at_ms: issuedAtMs,
          exp: claims.exp,
          ip: grant.ip,
          kid: key.kid,
          org_id: grant.organizationId,
          ...(grant.confirmation ? { cnf: grant.confirmation } : {}),
        },
        this.options.limits,
      ),
    ]);
    if (stored.status === 'rate_limited') throw new IssuanceRateExceededError(stored.retryAfterMs);
    if (stored.status === 'session_limit') throw new SessionLimitReachedError(this.options.limits.maxPerClient);
    return { accessToken, claims, kid: key.kid };
  }

  /** Withdraws a token that was signed but will not be handed out: its session goes, and it does not count toward the client's rate. */
  async discard(token: IssuedToken): Promise<void> {
    await this.sessions.discard(token.claims);
  }
}
