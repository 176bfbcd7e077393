import type { AuditTrail } from './audit/event.js';
import { ClientService } from './clients/service.js';
import { ClientStore } from './clients/store.js';
import type { Database } from './db/database.js';
import { transactional } from './db/transaction.js';
import type { Logger } from './observability/logger.js';
import { OrganizationService } from './organizations/service.js';
import { OrganizationStore } from './organizations/store.js';
import { RoleService } from './roles/service.js';
import { RoleStore } from './roles/store.js';
import type { SessionStore } from './sessions/types.js';
import { SettingsService } from './settings/service.js';
import { SettingsStore } from './settings/store.js';
import type { ChangeFeed } from './sync/change-feed.js';

/*
 * Apart from app.ts so that the CLI can build the services without loading the HTTP side
 * (oidc-provider and koa).
 */

export interface DomainServices {
  readonly clientStore: ClientStore;
  readonly roleStore: RoleStore;
  readonly organizationStore: OrganizationStore;
  readonly settingsStore: SettingsStore;
  readonly clients: ClientService;
  readonly roles: RoleService;
  readonly organizations: OrganizationService;
  readonly settings: SettingsService;
}

/** The stores and the services with the rules, as the admin API and the CLI use them. */
export function buildDomainServices(db: Database, sessions: SessionStore, changes: ChangeFeed, audit: AuditTrail, logger: Logger): DomainServices {
  const inTransaction = transactional(db);
  const clientStore = new ClientStore(db);
  const roleStore = new RoleStore(db);
  const organizationStore = new OrganizationStore(db);
  const settingsStore = new SettingsStore(db);
  const roles = new RoleService(roleStore, clientStore, inTransaction, changes, audit);
  const clients = new ClientService(clientStore, roles, inTransaction, sessions, changes, audit, logger);
  return {
    clientStore,
    roleStore,
    organizationStore,
    settingsStore,
    clients,
    roles,
    organizations: new OrganizationService(organizationStore, clients, inTransaction, changes, audit),
    settings: new SettingsService(settingsStore, changes, audit),
  };
}
