import { api } from './oauth.js';
import { pollUntil } from './poll.js';

/**
 * The details of the newest audit event of `type` for `clientId`, read through the audit API as an
 * administrator would; waits for it, since events reach the database in batches.
 */
export async function latestAuditDetails(
  baseUrl: string,
  adminToken: string,
  type: string,
  clientId: string,
): Promise<Record<string, unknown> | undefined> {
  const page = await pollUntil(
    () =>
      api<{ items: { details: Record<string, unknown> }[] }>(
        baseUrl,
        adminToken,
        'GET',
        `/audit-events?${new URLSearchParams({ type, client_id: clientId })}`,
      ),
    ({ body }) => body.items.length > 0,
  );
  return page.body.items[0]?.details;
}
