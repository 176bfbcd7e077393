import type { Logger } from '../observability/logger.js';
import type { ChangeFeed } from '../sync/change-feed.js';
import { RefreshingSnapshot } from '../sync/refreshing-snapshot.js';
import { BUILT_IN_ROLES } from './built-in.js';
import type { RoleStore } from './store.js';
import type { Role } from './types.js';

export interface RoleCatalogOptions {
  /** Bounds how long another instance's role change may go unseen if its change notice is lost. */
  readonly ttlMs: number;
}

/**
 * Every role, in memory: the token endpoint resolves a client's role on each request without I/O.
 * Built-in roles are code; custom roles are reloaded when any instance changes one (change feed) and
 * when the copy is older than the TTL.
 */
export class RoleCatalog {
  private readonly builtIn = new Map(BUILT_IN_ROLES.map((role) => [role.name, role]));
  private readonly custom: RefreshingSnapshot<ReadonlyMap<string, Role>>;

  constructor(store: RoleStore, changes: ChangeFeed, logger: Logger, options: RoleCatalogOptions) {
    this.custom = new RefreshingSnapshot({
      name: 'custom roles',
      load: async () => new Map((await store.list()).map((role) => [role.name, role])),
      ttlMs: options.ttlMs,
      logger,
    });
    changes.subscribe((event) => (event.type === 'roles' ? this.custom.refresh() : undefined));
  }

  initialize(): Promise<void> {
    return this.custom.initialize();
  }

  find(name: string): Role | undefined {
    return this.builtIn.get(name) ?? this.custom.current().get(name);
  }

  /** Built-in roles first, then custom roles by name. */
  list(): Role[] {
    return [...this.builtIn.values(), ...this.custom.current().values()];
  }
}
