import { resolve } from 'node:path';
import { renderEnvFile } from '../clients/env-file.js';
import { generateClientId, generateClientSecret } from '../clients/secret.js';
import type { ClientService } from '../clients/service.js';
import type { Config } from '../config/config.js';
import type { Logger } from '../observability/logger.js';
import { ADMIN_ROLE } from '../roles/built-in.js';
import type { SettingsStore } from '../settings/store.js';
import { BOOTSTRAP_ACTOR } from '../x/actor.js';
import { StartupError } from '../x/errors.js';
import { OAUTH_PATHS } from '../x/oauth-paths.js';
import { writePrivateFile } from '../x/private-files.js';

/** Where, in KEYS_DIR, the generated initial admin's credentials are written. */
const INITIAL_ADMIN_CREDENTIALS_FILE = 'initial-admin.env';

/** Shows text to the person at the terminal; only given when one is attached. */
export type ShowOnTerminal = (text: string) => void;

/** The generated credentials could not be kept anywhere: creating the admin would lose its secret. */
class InitialAdminCredentialsError extends StartupError {
  constructor(message: string, options?: ErrorOptions) {
    super('initial_admin_credentials', message, options);
  }
}

type InitialAdminConfig = Pick<Config, 'initialAdmin' | 'issuer' | 'keysDir'>;

/**
 * Once per deployment, when no admin client exists, creates one: with INITIAL_ADMIN_CLIENT_ID/SECRET when
 * set, else with generated credentials. Generated ones never reach the log stream (stdout is collected
 * and kept by log shippers): they are written to a 0600 file in KEYS_DIR, whose path is logged, and shown
 * on the terminal when a person watches. Never again afterwards, even if every admin is deleted:
 * recovering then is the CLI's job, not an environment variable's. Callers hold the bootstrap lock, so
 * instances starting together create one.
 */
export async function ensureInitialAdmin(
  clients: ClientService,
  settings: SettingsStore,
  config: InitialAdminConfig,
  logger: Logger,
  showOnTerminal: ShowOnTerminal | undefined,
): Promise<void> {
  if (await settings.initialAdminCreatedAt()) return;
  if (!(await clients.anyWithRole(ADMIN_ROLE))) await createInitialAdmin(clients, config, logger, showOnTerminal);
  await settings.markInitialAdminCreated();
}

async function createInitialAdmin(
  clients: ClientService,
  config: InitialAdminConfig,
  logger: Logger,
  showOnTerminal: ShowOnTerminal | undefined,
): Promise<void> {
  const input = { name: 'Initial administrator', role: ADMIN_ROLE, note: 'Created at first start' };
  if (config.initialAdmin) {
    const created = await clients.create(input, BOOTSTRAP_ACTOR, config.initialAdmin);
    logger.info({ client_id: created.client_id }, 'created the initial admin client');
    return;
  }
  const credentials = { client_id: generateClientId(), client_secret: generateClientSecret() };
  // Written before the client exists: when it cannot be, no admin is created whose secret nobody has.
  const file = writeCredentialsFile(config.keysDir, renderEnvFile(credentials, config.issuer));
  await clients.create(input, BOOTSTRAP_ACTOR, {
    clientId: credentials.client_id,
    clientSecret: credentials.client_secret,
  });
  logger.info(
    { client_id: credentials.client_id, credentials_file: file },
    'created the initial admin client; its generated secret is in credentials_file only',
  );
  showOnTerminal?.(
    [
      '',
      '================ Tollgate: initial admin client (shown once) ================',
      `  client_id:      ${credentials.client_id}`,
      `  client_secret:  ${credentials.client_secret}`,
      `  token endpoint: ${config.issuer}${OAUTH_PATHS.token}`,
      `  Also in ${file} (mode 0600): store the secret, then delete that file.`,
      '=============================================================================',
      '',
    ].join('\n'),
  );
}

/**
 * Writes the credentials to a new file only this user may read, and returns its absolute path. A file
 * left by an earlier deployment (whose database has since been replaced) is replaced, never reused.
 */
function writeCredentialsFile(keysDir: string, content: string): string {
  const path = resolve(keysDir, INITIAL_ADMIN_CREDENTIALS_FILE);
  try {
    writePrivateFile(path, content, { replace: true });
  } catch (error) {
    throw new InitialAdminCredentialsError(
      `cannot write the generated initial admin credentials to ${path} (${(error as NodeJS.ErrnoException).code ?? String(error)}): ` +
        'make KEYS_DIR writable, or set INITIAL_ADMIN_CLIENT_ID and INITIAL_ADMIN_CLIENT_SECRET',
      { cause: error },
    );
  }
  return path;
}
