import { principalOf } from '../http/api/authenticate.js';
import { named, type RouteSpec, route } from '../http/api/route-spec.js';
import { settingsSchema, updateSettingsSchema } from './schemas.js';
import type { SettingsService } from './service.js';

const SETTINGS = named('Settings', settingsSchema);
const TAG = 'Settings';

/** /api/v1/settings: the platform-wide switches, platform admins only. */
export function settingsRoutes(settings: SettingsService): RouteSpec[] {
  return [
    route({
      method: 'get',
      path: '/settings',
      operationId: 'getSettings',
      summary: 'Get the platform settings',
      tag: TAG,
      access: 'platform-admin',
      responses: { 200: { description: 'The settings', body: SETTINGS } },
      handler: async (ctx) => {
        ctx.body = await settings.get();
      },
    }),
    route({
      method: 'patch',
      path: '/settings',
      operationId: 'updateSettings',
      summary: 'Switch the API on or off for the whole platform',
      description:
        'While `api_enabled` is false the token endpoint refuses every client except platform admin clients (OAuth error `unauthorized_client`), and their tokens introspect as inactive.',
      tag: TAG,
      access: 'platform-admin',
      body: named('UpdateSettings', updateSettingsSchema),
      responses: { 200: { description: 'The changed settings', body: SETTINGS } },
      handler: async (ctx) => {
        ctx.body = await settings.update(ctx.request.body, principalOf(ctx));
      },
    }),
  ];
}
