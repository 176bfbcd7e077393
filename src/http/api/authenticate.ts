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
}

/** The claims of a token that is valid right now, or null: revoked, expired, its client deactivated. */
export type BearerTokenValidator = (token: string) => Promise<BearerClaims | null>;

/** Accepts only live tokens from this server: a revoked token or a deactivated client is refused at once. */
export function authenticateBearer(validate: BearerTokenValidator): Middleware {
  return async (ctx, next) => {
    const claims = await validate(bearerToken(ctx.get('authorization') || undefined));
    if (!claims) throw new UnauthenticatedError('the access token is invalid, expired or revoked');
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
