import { chmodSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Makes `dir` a directory only its owner may enter: created 0700, or, when it exists (a git checkout
 * creates `keys/` 0755 for its README), stripped of every permission of group and others. The secret
 * files written into it are 0600 on their own; this also keeps others from listing or replacing them.
 */
function ensurePrivateDirectory(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const { mode } = statSync(dir);
  if (mode & 0o077) chmodSync(dir, mode & 0o700);
}

/**
 * Writes `content` to a new file at `path` that only its owner may read or write, in a private directory.
 * With `replace`, a file already there is removed first, so the new one gets mode 0600 whatever the old
 * one had; without, an existing file is an EEXIST error (two processes creating the same file at once).
 */
export function writePrivateFile(path: string, content: string, { replace }: { replace: boolean }): void {
  ensurePrivateDirectory(dirname(path));
  if (replace) rmSync(path, { force: true });
  writeFileSync(path, content, { mode: 0o600, flag: 'wx' });
}
