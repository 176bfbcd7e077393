import { BOOTSTRAP_ACTOR } from '../actor.js';
import type { Config } from '../config/config.js';
import type { Logger } from '../observability/logger.js';
import { ADMIN_ROLE } from '../roles/built-in.js';
import type { SettingsStore } from '../settings/store.js';
import type { ClientService } from './service.js';

/**
 * Once per deployment, when no admin client exists, creates one: with INITIAL_ADMIN_CLIENT_ID/SECRET when
 * set, else with generated credentials printed once to the console (the only time the secret is shown).
 * Never again afterwards, even if every admin is deleted: recovering then is the CLI's job, not an
 * environment variable's. Callers hold the bootstrap lock, so instances starting together create one.
 */
export async function ensureInitialAdmin(
  clients: ClientService,
  settings: SettingsStore,
  config: Pick<Config, 'initialAdmin' | 'issuer'>,
  logger: Logger,
  print: (text: string) => void,
): Promise<void> {
  if (await settings.initialAdminCreatedAt()) return;
  if (!(await clients.anyWithRole(ADMIN_ROLE))) await createInitialAdmin(clients, config, logger, print);
  await settings.markInitialAdminCreated();
}

async function createInitialAdmin(clients: ClientService, config: Pick<Config, 'initialAdmin' | 'issuer'>, logger: Logger, print: (text: string) => void): Promise<void> {
  const created = await clients.create(
    { name: 'Initial administrator', role: ADMIN_ROLE, note: 'Created at first start' },
    BOOTSTRAP_ACTOR,
    config.initialAdmin,
  );
  logger.info({ client_id: created.client_id }, 'created the initial admin client');
  if (config.initialAdmin) return;
  print(
    [
      '',
      '================ Tollgate: initial admin client (shown once) ================',
      `  client_id:      ${created.client_id}`,
      `  client_secret:  ${created.client_secret}`,
      `  token endpoint: ${config.issuer}/token`,
      '  Store the secret now; it cannot be shown again (rotate it if lost).',
      '=============================================================================',
      '',
    ].join('\n'),
  );
}

