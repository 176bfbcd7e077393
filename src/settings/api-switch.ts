import type { Logger } from '../observability/logger.js';
import type { OrganizationStore } from '../organizations/store.js';
import { ADMIN_ROLE, ORG_ADMIN_ROLE } from '../roles/built-in.js';
import type { ChangeFeed } from '../sync/change-feed.js';
import { RefreshingSnapshot } from '../sync/refreshing-snapshot.js';
import type { SettingsStore } from './store.js';

interface Switches {
  readonly platformEnabled: boolean;
  readonly disabledOrganizations: ReadonlySet<string>;
}

/** Which switch keeps a client out, for the OAuth error and the audit trail. */
export type ApiLock = 'platform' | 'organization';

export interface ApiSwitchOptions {
  /** Bounds how long another instance's switch change may go unseen if its change notice is lost. */
  readonly ttlMs: number;
}

/**
 * The platform's and the organizations' API switches, in memory: the token endpoint and the token
 * validator consult them on every request without I/O. Reloaded when any instance flips one (change
 * feed) and when older than the TTL.
 *
 * Who is covered: the platform switch covers every client except platform admins (role admin, no
 * organization), so they can always turn it back on. An organization's switch covers its clients except
 * its org-admins, for the same reason: org-admins may flip their own switch.
 */
export class ApiSwitch {
  private readonly switches: RefreshingSnapshot<Switches>;

  constructor(
    settings: Pick<SettingsStore, 'get'>,
    organizations: Pick<OrganizationStore, 'disabledIds'>,
    changes: ChangeFeed,
    logger: Logger,
    options: ApiSwitchOptions,
  ) {
    this.switches = new RefreshingSnapshot({
      name: 'API switches',
      load: async () => {
        const [platform, disabled] = await Promise.all([settings.get(), organizations.disabledIds()]);
        return { platformEnabled: platform.apiEnabled, disabledOrganizations: new Set(disabled) };
      },
      ttlMs: options.ttlMs,
      logger,
    });
    changes.subscribe((event) =>
      event.type === 'settings' || event.type === 'organization' ? this.switches.refresh() : undefined,
    );
  }

  initialize(): Promise<void> {
    return this.switches.initialize();
  }

  /** Null when the client may use the API now; otherwise the switch that is off. */
  lockFor(client: { readonly role: string; readonly organizationId: string | null }): ApiLock | null {
    const { platformEnabled, disabledOrganizations } = this.switches.current();
    const platformAdmin = client.role === ADMIN_ROLE && client.organizationId === null;
    if (!platformEnabled && !platformAdmin) return 'platform';
    if (
      client.organizationId !== null &&
      client.role !== ORG_ADMIN_ROLE &&
      disabledOrganizations.has(client.organizationId)
    )
      return 'organization';
    return null;
  }
}
