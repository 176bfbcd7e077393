import type { Knex } from 'knex';
import * as apiClients from './20261124_001_api_clients.js';
import * as signingKeys from './20261124_002_signing_keys.js';
import * as organizations from './20261201_001_organizations.js';
import * as roles from './20261201_002_roles.js';
import * as platformSettings from './20261201_003_platform_settings.js';
import * as auditEvents from './20261201_004_audit_events.js';
import * as clientTokenCutoff from './20261202_001_client_token_cutoff.js';
import * as initialAdminMarker from './20261202_002_initial_admin_marker.js';
import * as auditEventsPartitioned from './20261203_001_audit_events_partitioned.js';
import * as clientAuthenticationMethods from './20261203_001_client_authentication_methods.js';
import * as clientDpopBinding from './20261203_101_client_dpop_binding.js';
import * as clientCertificateBinding from './20261203_102_client_certificate_binding.js';
import * as clientTlsAuthentication from './20261203_103_client_tls_authentication.js';

export interface Migration {
  readonly name: string;
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

/** The schema's history, oldest first. A migration, once released, is never edited: add a new one. */
export const MIGRATIONS: readonly Migration[] = [
  { name: '20261124_001_api_clients', ...apiClients },
  { name: '20261124_002_signing_keys', ...signingKeys },
  { name: '20261201_001_organizations', ...organizations },
  { name: '20261201_002_roles', ...roles },
  { name: '20261201_003_platform_settings', ...platformSettings },
  { name: '20261201_004_audit_events', ...auditEvents },
  { name: '20261202_001_client_token_cutoff', ...clientTokenCutoff },
  { name: '20261202_002_initial_admin_marker', ...initialAdminMarker },
  { name: '20261203_001_client_authentication_methods', ...clientAuthenticationMethods },
  { name: '20261203_001_audit_events_partitioned', ...auditEventsPartitioned },
  { name: '20261203_101_client_dpop_binding', ...clientDpopBinding },
  { name: '20261203_102_client_certificate_binding', ...clientCertificateBinding },
  { name: '20261203_103_client_tls_authentication', ...clientTlsAuthentication },
];
