import { principalOf } from '../http/api/authenticate.js';
import { problemSchema } from '../http/api/problem.js';
import { named, type RouteSpec, route } from '../http/api/route-spec.js';
import type { Actor } from '../x/actor.js';
import { parseInput } from '../x/validation.js';
import type { KeyManager } from './key-manager.js';
import { keyListSchema, keyMetadataSchema, keyPathSchema, keyRevocationSchema, rotateKeysSchema } from './schemas.js';

const TAG = 'Signing keys';

/** Removes the sessions of the tokens a revoked key signed; the sessions domain does it, in the background. */
export interface RevokedKeySessions {
  start(kid: string, actor: Actor): void;
}

/** /api/v1/keys: platform admins only. Public metadata only. */
export function keyRoutes(keys: KeyManager, revokedKeySessions: RevokedKeySessions): RouteSpec[] {
  return [
    route({
      method: 'get',
      path: '/keys',
      operationId: 'listKeys',
      summary: 'List the signing keys (public metadata)',
      tag: TAG,
      access: 'platform-admin',
      responses: { 200: { description: 'Every published key', body: named('KeyList', keyListSchema) } },
      handler: async (ctx) => {
        ctx.body = { items: await keys.list() };
      },
    }),
    route({
      method: 'post',
      path: '/keys/rotate',
      operationId: 'rotateKeys',
      summary: 'Rotate now: the next key signs, the active one retires, a new next key is published',
      description:
        'With `{"immediate": true}` (suspected key compromise) a freshly created key signs at once and the next key is replaced too, without waiting for a published key to become safe to sign with: verifiers caching the JWKS meet an unknown kid and must refetch it. The former active key retires as usual (its tokens stay valid); revoke it as well to cut them.',
      tag: TAG,
      access: 'platform-admin',
      body: named('RotateKeys', rotateKeysSchema),
      responses: {
        200: { description: 'The new active key', body: named('KeyMetadata', keyMetadataSchema) },
        409: {
          description:
            'The next key has not been published long enough for verifiers caching the JWKS to know it. Nothing changed; `Retry-After` (seconds) and `retry_at` (the problem member, a date-time) say when it may sign.',
          body: named('Problem', problemSchema),
        },
      },
      errors: [409],
      handler: async (ctx) => {
        const { immediate } = parseInput(rotateKeysSchema, ctx.request.body);
        ctx.body = await keys.rotate(principalOf(ctx), { immediate });
      },
    }),
    route({
      method: 'post',
      path: '/keys/{kid}/revoke',
      operationId: 'revokeKey',
      summary: 'Emergency: remove a key from the JWKS at once and cut every token it signed',
      description:
        "For a suspected key compromise. The key leaves the JWKS and the key list on every instance at once (change feed), every token it signed introspects inactive and is refused by the admin API, and their sessions are removed in the background. Revoking the active key first puts a freshly created key in its place (as an immediate rotation), so the server keeps signing; revoking the next key publishes a fresh next key. Verifiers that cache the JWKS keep accepting the revoked key's tokens until their copy expires (Cache-Control max-age) unless they introspect. Audited as `key.revoked`.",
      tag: TAG,
      access: 'platform-admin',
      params: keyPathSchema,
      responses: {
        200: {
          description: 'The revoked key as it was, and the key that signs now',
          body: named('KeyRevocation', keyRevocationSchema),
        },
      },
      handler: async (ctx, { params }) => {
        const actor = principalOf(ctx);
        const revocation = await keys.revoke(params.kid, actor);
        // A next key never signed anything.
        if (revocation.revoked.status !== 'next') revokedKeySessions.start(revocation.revoked.kid, actor);
        ctx.body = revocation;
      },
    }),
  ];
}
