import type { Middleware, ParameterizedContext } from 'koa';
import { UnauthenticatedError } from '../../x/errors.js';
import type { Principal } from './principal.js';

function bearerToken(authorization: string | undefined): string {
  const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/i.exec(authorization ?? '');
  if (!match)
    throw new UnauthenticatedError('an access token from this server is required: Authorization: Bearer <token>');
  return match[1]!;
}

/** The claims of a live access token that the admin API reads. */
interface BearerClaims {
  readonly client_id: string;
  readonly org_id?: string;
  readonly role: string;
  readonly scope: string;
  /** Present on a sender-constrained token (DPoP, client certificate). */
  readonly cnf?: object;
}

/** The claims of a token that is valid right now, or null: revoked, expired, its client deactivated. */
export type BearerTokenValidator = (token: string) => Promise<BearerClaims | null>;

/** Accepts only live tokens from this server: a revoked token or a deactivated client is refused at once. */
export function authenticateBearer(validate: BearerTokenValidator): Middleware {
  return async (ctx, next) => {
    const claims = await validate(bearerToken(ctx.get('authorization') || undefined));
    if (!claims) throw new UnauthenticatedError('the access token is invalid, expired or revoked');
    // Whoever copied a sender-constrained token must not be able to use it here as a bearer token: the
    // admin API does not check proofs of possession, so it refuses such tokens outright (fail closed).
    if (claims.cnf)
      throw new UnauthenticatedError(
        'this token is bound to a key (DPoP or a client certificate); the admin API accepts unbound bearer tokens only: use a client without dpop_bound_access_tokens, and no DPoP proof, for administration',
      );
    ctx.state.principal = {
      clientId: claims.client_id,
      organizationId: claims.org_id ?? null,
      role: claims.role,
      scopes: new Set(claims.scope.split(' ')),
      ip: ctx.state.clientIp ?? null,
      requestId: ctx.state.requestId ?? null,
    } satisfies Principal;
    await next();
  };
}

export function principalOf(ctx: ParameterizedContext): Principal {
  const principal = ctx.state.principal as Principal | undefined;
  if (!principal) throw new UnauthenticatedError('not authenticated');
  return principal;
}
