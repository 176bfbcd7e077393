import { KeyStore } from '../../keys/store.js';
import type { CliCommand } from '../command.js';
import { renderRecord, renderTable } from '../output.js';

const COLUMNS = ['kid', 'alg', 'status', 'created_at', 'activated_at', 'retired_at', 'expires_at'] as const;

export const KEY_COMMANDS: readonly CliCommand[] = [
  {
    name: 'keys list',
    summary: 'list signing keys (public metadata; checks that the key-encryption key opens them)',
    async run(context) {
      // Before the first server start there are no keys, and opening the manager would create a key-encryption key file.
      const items = (await new KeyStore(context.database()).exists()) ? await (await context.keys()).list() : [];
      return { data: { items }, text: renderTable(items as unknown as Record<string, unknown>[], COLUMNS) };
    },
  },
  {
    name: 'keys rotate',
    summary: 'make the next signing key active now (refused while it is too recently published)',
    async run(context) {
      const activated = await (await context.keys()).rotate(context.actor);
      return { data: activated, text: `now signing with:\n${renderRecord({ ...activated })}` };
    },
  },
];
