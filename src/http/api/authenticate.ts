import type { Middleware, ParameterizedContext } from 'koa';
import { UnauthenticatedError } from '../../x/errors.js';
import type { AccessTokenValidator } from '../../tokens/validator.js';
import type { Principal } from './principal.js';

function bearerToken(authorization: string | undefined): string {
  const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/i.exec(authorization ?? '');
  if (!match) throw new UnauthenticatedError('an access token from this server is required: Authorization: Bearer <token>');
  return match[1]!;
}

/** Accepts only live tokens from this server: a revoked token or a deactivated client is refused at once. */
export function authenticateBearer(validator: AccessTokenValidator): Middleware {
  return async (ctx, next) => {
    const claims = await validator.validate(bearerToken(ctx.get('authorization') || undefined));
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
