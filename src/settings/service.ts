import { adminEvent } from '../audit/admin-event.js';
import type { AuditTrail } from '../audit/event.js';
import type { ChangeFeed } from '../sync/change-feed.js';
import type { Actor } from '../x/actor.js';
import { parseInput } from '../x/validation.js';
import { type SettingsResource, updateSettingsSchema } from './schemas.js';
import type { Settings, SettingsStore } from './store.js';

/** Platform-wide settings; the routes let platform admins only. */
export class SettingsService {
  constructor(
    private readonly store: SettingsStore,
    private readonly changes: ChangeFeed,
    private readonly audit: AuditTrail,
  ) {}

  async get(): Promise<SettingsResource> {
    return toSettingsResource(await this.store.get());
  }

  async update(input: unknown, actor: Actor): Promise<SettingsResource> {
    const patch = parseInput(updateSettingsSchema, input);
    const updated = await this.store.update({ apiEnabled: patch.api_enabled });
    await this.changes.publish({ type: 'settings' });
    this.audit.record(adminEvent('settings.updated', actor, {}, { changed: Object.keys(patch), ...patch }));
    return toSettingsResource(updated);
  }
}

/** The settings as the API answers them (snake_case, the public contract). */
function toSettingsResource(settings: Settings): SettingsResource {
  return { api_enabled: settings.apiEnabled, updated_at: settings.updatedAt.toISOString() };
}
