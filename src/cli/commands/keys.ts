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
    options: {
      immediate: {
        type: 'boolean',
        description: 'emergency (suspected compromise): a fresh key signs at once, and the next key is replaced too',
      },
    },
    async run(context, { options }) {
      const activated = await (await context.keys()).rotate(context.actor, { immediate: options.immediate === true });
      return { data: activated, text: `now signing with:\n${renderRecord({ ...activated })}` };
    },
  },
  {
    name: 'keys revoke',
    summary:
      'emergency: unpublish a key, refuse every token it signed and remove their sessions (an active key is replaced by a fresh one first)',
    args: ['<kid>'],
    async run(context, { positionals }) {
      const revocation = await (await context.keys()).revoke(positionals[0]!, context.actor);
      // The key is revoked and its tokens refused whatever happens next; a sweep that fails only leaves dead sessions.
      const sessionsRevoked =
        revocation.revoked.status === 'next'
          ? 0
          : await (await context.revokedKeySessions())
              .run(revocation.revoked.kid, context.actor)
              .catch((error: unknown) => {
                context.logger.warn(
                  { err: error },
                  'could not remove the sessions of the revoked key; its tokens are refused anyway',
                );
                return null;
              });
      const data = { ...revocation, sessions_revoked: sessionsRevoked };
      const removed =
        sessionsRevoked === null ? 'its sessions could not be removed now' : `${sessionsRevoked} sessions removed`;
      return {
        data,
        text: `revoked ${revocation.revoked.kid} (${revocation.revoked.status}); ${removed}\nnow signing with:\n${renderRecord({ ...revocation.active })}`,
      };
    },
  },
];
