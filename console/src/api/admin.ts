import { ApiProblem, NETWORK_PROBLEM, problemOf } from './problem';
import type {
  AuditEvent,
  AuditFilter,
  Client,
  ClientFilter,
  ClientInput,
  CreatedClient,
  Organization,
  Page,
  Role,
  RotatedSecret,
  Settings,
  SigningKey,
  TokenSession,
} from './types';

const API = '/api/v1';
const NDJSON = 'application/x-ndjson';
/** The API's largest page: lists the console needs whole (organizations, for names) take the fewest calls. */
const MAX_PAGE_SIZE = 200;

type Query = Record<string, string | number | undefined>;

function withQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query))
    if (value !== undefined && value !== '') params.set(name, String(value));
  const search = params.toString();
  return `${API}${path}${search ? `?${search}` : ''}`;
}

const segment = encodeURIComponent;

/**
 * The documented admin API (/api/v1), called with the signed-in administrator's bearer token. The token
 * lives in this object only (a private field, in memory): never in storage or a cookie. A 401 means it
 * was revoked or expired, so the session ends.
 */
export class AdminApi {
  readonly #token: string;
  readonly #onUnauthorized: (problem: ApiProblem) => void;

  constructor(token: string, onUnauthorized: (problem: ApiProblem) => void) {
    this.#token = token;
    this.#onUnauthorized = onUnauthorized;
  }

  /** Sends one request; anything but 2xx becomes an ApiProblem. */
  async send(
    method: string,
    url: string,
    body?: unknown,
    accept = 'application/json',
    keepalive = false,
  ): Promise<Response> {
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        keepalive,
        // Bearer tokens only: no cookie or HTTP authentication ever rides along.
        credentials: 'omit',
        headers: {
          Authorization: `Bearer ${this.#token}`,
          Accept: accept,
          ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch {
      throw NETWORK_PROBLEM;
    }
    if (response.ok) return response;
    const problem = await problemOf(response);
    if (response.status === 401) this.#onUnauthorized(problem);
    throw problem;
  }

  private async json<T>(method: string, url: string, body?: unknown): Promise<T> {
    const response = await this.send(method, url, body);
    return (response.status === 204 ? undefined : await response.json()) as T;
  }

  // Clients
  listClients(filter: ClientFilter, limit: number, cursor?: string): Promise<Page<Client>> {
    return this.json('GET', withQuery('/clients', { ...filter, limit, cursor }));
  }
  getClient(clientId: string): Promise<Client> {
    return this.json('GET', withQuery(`/clients/${segment(clientId)}`));
  }
  createClient(input: ClientInput): Promise<CreatedClient> {
    return this.json('POST', withQuery('/clients'), input);
  }
  updateClient(clientId: string, changes: Partial<ClientInput>): Promise<Client> {
    return this.json('PATCH', withQuery(`/clients/${segment(clientId)}`), changes);
  }
  deleteClient(clientId: string): Promise<void> {
    return this.json('DELETE', withQuery(`/clients/${segment(clientId)}`));
  }
  rotateSecret(clientId: string, gracePeriodSeconds: number): Promise<RotatedSecret> {
    return this.json('POST', withQuery(`/clients/${segment(clientId)}/secret`), {
      grace_period_seconds: gracePeriodSeconds,
    });
  }

  // Sessions
  listSessions(clientId: string, cursor?: string): Promise<Page<TokenSession>> {
    return this.json('GET', withQuery(`/clients/${segment(clientId)}/sessions`, { limit: 50, cursor }));
  }
  revokeSession(clientId: string, jti: string, keepalive = false): Promise<Response> {
    return this.send(
      'DELETE',
      withQuery(`/clients/${segment(clientId)}/sessions/${segment(jti)}`),
      undefined,
      undefined,
      keepalive,
    );
  }
  revokeAllSessions(clientId: string): Promise<void> {
    return this.json('DELETE', withQuery(`/clients/${segment(clientId)}/sessions`));
  }

  // Organizations
  async allOrganizations(): Promise<Organization[]> {
    const organizations: Organization[] = [];
    let cursor: string | undefined;
    do {
      const page: Page<Organization> = await this.json(
        'GET',
        withQuery('/organizations', { limit: MAX_PAGE_SIZE, cursor }),
      );
      organizations.push(...page.items);
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
    return organizations;
  }
  getOrganization(id: string): Promise<Organization> {
    return this.json('GET', withQuery(`/organizations/${segment(id)}`));
  }
  createOrganization(name: string): Promise<Organization> {
    return this.json('POST', withQuery('/organizations'), { name });
  }
  updateOrganization(id: string, changes: { name?: string; api_enabled?: boolean }): Promise<Organization> {
    return this.json('PATCH', withQuery(`/organizations/${segment(id)}`), changes);
  }
  deleteOrganization(id: string): Promise<void> {
    return this.json('DELETE', withQuery(`/organizations/${segment(id)}`));
  }

  // Roles
  async listRoles(): Promise<Role[]> {
    return (await this.json<{ items: Role[] }>('GET', withQuery('/roles'))).items;
  }
  createRole(role: { name: string; scopes: string[]; description: string }): Promise<Role> {
    return this.json('POST', withQuery('/roles'), role);
  }
  updateRole(name: string, changes: { scopes?: string[]; description?: string }): Promise<Role> {
    return this.json('PATCH', withQuery(`/roles/${segment(name)}`), changes);
  }
  deleteRole(name: string): Promise<void> {
    return this.json('DELETE', withQuery(`/roles/${segment(name)}`));
  }

  // Settings and signing keys
  getSettings(): Promise<Settings> {
    return this.json('GET', withQuery('/settings'));
  }
  updateSettings(changes: { api_enabled: boolean }): Promise<Settings> {
    return this.json('PATCH', withQuery('/settings'), changes);
  }
  async listKeys(): Promise<SigningKey[]> {
    return (await this.json<{ items: SigningKey[] }>('GET', withQuery('/keys'))).items;
  }
  rotateKeys(): Promise<SigningKey> {
    return this.json('POST', withQuery('/keys/rotate'));
  }

  // Audit
  listAuditEvents(filter: AuditFilter, limit: number, cursor?: string): Promise<Page<AuditEvent>> {
    return this.json('GET', withQuery('/audit-events', { ...filter, limit, cursor }));
  }
  /** Every event matching the filter as NDJSON, read as it streams in; `progress` hears the count so far. */
  async exportAuditEvents(
    filter: AuditFilter,
    progress: (events: number) => void,
  ): Promise<{ file: Blob; events: number }> {
    const response = await this.send('GET', withQuery('/audit-events', { ...filter }), undefined, NDJSON);
    const chunks: BlobPart[] = [];
    let events = 0;
    const reader = response.body!.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        chunks.push(value);
        for (const byte of value) if (byte === 0x0a) events += 1;
        progress(events);
      }
    } catch {
      throw new ApiProblem(
        0,
        'The export was interrupted',
        `The connection broke after ${events} events. Retry the export.`,
      );
    }
    return { file: new Blob(chunks, { type: NDJSON }), events };
  }
}
