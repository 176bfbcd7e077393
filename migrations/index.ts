import type { Knex } from 'knex';
import * as apiClients from './20261124_001_api_clients.js';
import * as signingKeys from './20261124_002_signing_keys.js';

export interface Migration {
  readonly name: string;
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

/** The schema's history, oldest first. A migration, once released, is never edited: add a new one. */
export const MIGRATIONS: readonly Migration[] = [
  { name: '20261124_001_api_clients', ...apiClients },
  { name: '20261124_002_signing_keys', ...signingKeys },
];
