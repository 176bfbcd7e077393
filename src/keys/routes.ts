import { principalOf } from '../admin/authenticate.js';
import { PROBLEM_CONTENT_TYPE, problemSchema } from '../admin/problem.js';
import { named, type RouteSpec } from '../admin/route-spec.js';
import { keyListSchema, keyMetadataSchema } from './schemas.js';
import type { KeyManager } from './service.js';

const TAG = 'Signing keys';

/** /api/v1/keys: platform admins only. Public metadata only. */
export function keyRoutes(keys: KeyManager): RouteSpec[] {
  return [
    {
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
    },
    {
      method: 'post',
      path: '/keys/rotate',
      operationId: 'rotateKeys',
      summary: 'Rotate now: the next key signs, the active one retires, a new next key is published',
      tag: TAG,
      access: 'platform-admin',
      responses: {
        200: { description: 'The new active key', body: named('KeyMetadata', keyMetadataSchema) },
        409: {
          description:
            'The next key has not been published long enough for verifiers caching the JWKS to know it. Nothing changed; `Retry-After` (seconds) and `retry_at` (the problem member, a date-time) say when it may sign.',
          body: named('Problem', problemSchema),
          contentType: PROBLEM_CONTENT_TYPE,
        },
      },
      errors: [409],
      handler: async (ctx) => {
        ctx.body = await keys.rotate(principalOf(ctx));
      },
    },
  ];
}
