import { z } from 'zod';
import { OAUTH_PATHS } from '../x/oauth-paths.js';
import { parseInput } from '../x/validation.js';

export interface IssuedCredentials {
  readonly client_id: string;
  /** Absent for a private_key_jwt client: it has no secret. */
  readonly client_secret?: string;
}

export const downloadQuerySchema = z.object({
  download: z
    .literal('env', { error: 'the only download format is "env"' })
    .optional()
    .describe('`env`: answer the credentials as a ready-to-use .env file (text/plain attachment) instead of JSON.'),
});

export const envFileSchema = z
  .string()
  .describe(
    'TOLLGATE_CLIENT_ID, TOLLGATE_CLIENT_SECRET (not for a private_key_jwt client, which has none), TOLLGATE_TOKEN_ENDPOINT and TOLLGATE_ISSUER lines.',
  );

/** `?download=env`: answer the credentials as a file instead of JSON. Checked before anything is written. */
export function wantsEnvFile(query: unknown): boolean {
  return parseInput(downloadQuerySchema, query).download === 'env';
}

export function envFileName(clientId: string): string {
  return `tollgate-${clientId}.env`;
}

/**
 * A ready-to-use .env file, since the secret is shown only once. Values are written unquoted so that
 * dotenv, systemd and `docker --env-file` (which keeps quotes literally) all read them the same; every
 * value is safe unquoted: client ids are [A-Za-z0-9._~-], secrets base64url, the issuer a validated URL.
 */
export function renderEnvFile(credentials: IssuedCredentials, issuer: string): string {
  const secretLines =
    credentials.client_secret === undefined
      ? ['# private_key_jwt client: no secret; sign client assertions with your private key (aud: TOLLGATE_ISSUER).']
      : ['# Tollgate client credentials. Keep this file secret; the secret cannot be shown again (rotate it if lost).'];
  return [
    ...secretLines,
    `TOLLGATE_CLIENT_ID=${credentials.client_id}`,
    ...(credentials.client_secret === undefined ? [] : [`TOLLGATE_CLIENT_SECRET=${credentials.client_secret}`]),
    `TOLLGATE_TOKEN_ENDPOINT=${issuer}${OAUTH_PATHS.token}`,
    `TOLLGATE_ISSUER=${issuer}`,
    '',
  ].join('\n');
}
