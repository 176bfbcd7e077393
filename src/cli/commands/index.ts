import type { CliCommand } from '../command.js';
import { CLIENT_COMMANDS } from './clients.js';
import { KEY_COMMANDS } from './keys.js';
import { MIGRATE_COMMANDS } from './migrate.js';
import { ORGANIZATION_COMMANDS } from './organizations.js';

/** Every CLI command; a new one is an entry in its domain's list. */
export const COMMANDS: readonly CliCommand[] = [
  ...CLIENT_COMMANDS,
  ...ORGANIZATION_COMMANDS,
  ...KEY_COMMANDS,
  ...MIGRATE_COMMANDS,
];
