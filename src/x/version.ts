import { readFileSync } from 'node:fs';

/**
 * The server's release (package.json), and the admin API's own semver: bump the API version's minor for
 * additions and its major for breaking changes to /api/v1, whatever the release number does.
 */
export const SERVER_VERSION: string = (
  JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

export const ADMIN_API_VERSION = '1.1.0';
