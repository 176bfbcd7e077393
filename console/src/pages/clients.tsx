import { useEffect, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import type { Client, ClientFilter, ClientStatus } from '../api/types';
import { useLoad } from '../components/async';
import { Loading, ProblemBanner } from '../components/feedback';
import { SelectField, TextField } from '../components/fields';
import { Time } from '../components/format';
import { Page, Pager, ResultCount } from '../components/page';
import { useDirectory } from '../directory';
import { useSession } from '../session';

const PAGE_SIZE = 25;
/** How many allowlist entries the table shows before "+N more". */
const SHOWN_ENTRIES = 2;

function filterOf(query: Record<string, string>): ClientFilter {
  return {
    q: query.q || undefined,
    role: query.role || undefined,
    status: query.status === 'active' || query.status === 'inactive' ? (query.status as ClientStatus) : undefined,
    organization_id: query.organization_id || undefined,
  };
}

function urlOf(filter: ClientFilter): string {
  const params = new URLSearchParams(
    Object.entries(filter).filter((entry): entry is [string, string] => Boolean(entry[1])),
  );
  const search = params.toString();
  return `/console/clients${search ? `?${search}` : ''}`;
}

export function IpRestriction({ entries }: { entries: readonly string[] }) {
  if (entries.length === 0) return <span class="muted">Any address</span>;
  const more = entries.length - SHOWN_ENTRIES;
  return (
    <span>
      <span class="badge">{entries.length === 1 ? '1 entry' : `${entries.length} entries`}</span>{' '}
      <code>{entries.slice(0, SHOWN_ENTRIES).join(', ')}</code>
      {more > 0 && <span class="muted"> +{more} more</span>}
    </span>
  );
}

export function StatusBadge({ status }: { status: ClientStatus }) {
  return <span class={`badge badge-${status}`}>{status}</span>;
}

/** The filters, as a form: nothing is applied until it is submitted, so typing never fires requests. */
function Filters({ filter, onApply }: { filter: ClientFilter; onApply: (filter: ClientFilter) => void }) {
  const { session } = useSession();
  const directory = useDirectory();
  const [draft, setDraft] = useState(filter);
  useEffect(() => setDraft(filter), [filter.q, filter.role, filter.status, filter.organization_id]);
  const set = (field: keyof ClientFilter) => (value: string) => setDraft({ ...draft, [field]: value || undefined });
  return (
    <form
      class="filters"
      role="search"
      aria-label="Filter clients"
      onSubmit={(event) => {
        event.preventDefault();
        onApply(draft);
      }}
    >
      <TextField label="Name or client ID" type="search" value={draft.q ?? ''} onValue={set('q')} />
      <SelectField
        label="Role"
        value={draft.role ?? ''}
        onValue={set('role')}
        choices={[
          { value: '', label: 'Any role' },
          ...directory.roles.map((role) => ({ value: role.name, label: role.name })),
        ]}
      />
      <SelectField
        label="Status"
        value={draft.status ?? ''}
        onValue={set('status')}
        choices={[
          { value: '', label: 'Any status' },
          { value: 'active', label: 'Active' },
          { value: 'inactive', label: 'Inactive' },
        ]}
      />
      {session.admin.kind === 'platform' && (
        <SelectField
          label="Organization"
          value={draft.organization_id ?? ''}
          onValue={set('organization_id')}
          choices={[
            { value: '', label: 'All' },
            ...directory.organizations.map((organization) => ({ value: organization.id, label: organization.name })),
          ]}
        />
      )}
      <div class="filter-actions">
        <button type="submit" class="button button-primary">
          Apply filters
        </button>
        <button type="button" class="button" onClick={() => onApply({})}>
          Clear
        </button>
      </div>
    </form>
  );
}

function ClientTable({ clients }: { clients: readonly Client[] }) {
  const directory = useDirectory();
  return (
    <div class="table-wrap" tabIndex={0} role="group" aria-label="Clients table, scrolls sideways">
      <table>
        <caption class="sr-only">API clients</caption>
        <thead>
          <tr>
            <th scope="col">Name and client_id</th>
            <th scope="col">Role</th>
            <th scope="col">Status</th>
            <th scope="col">Organization</th>
            <th scope="col">IP restriction</th>
            <th scope="col">Created</th>
            <th scope="col">Last used</th>
          </tr>
        </thead>
        <tbody>
          {clients.map((client) => (
            <tr key={client.client_id}>
              <th scope="row">
                <a href={`/console/clients/${encodeURIComponent(client.client_id)}`}>{client.name}</a>
                <div>
                  <code class="secondary">{client.client_id}</code>
                </div>
              </th>
              <td>{client.role}</td>
              <td>
                <StatusBadge status={client.status} />
              </td>
              <td>{directory.organizationName(client.organization_id)}</td>
              <td>
                <IpRestriction entries={client.ip_allowlist} />
              </td>
              <td>
                <Time value={client.created_at} />
                {client.created_by && (
                  <div class="secondary">
                    by <code>{client.created_by}</code>
                  </div>
                )}
              </td>
              <td>
                <Time value={client.last_used_at} empty="Never" />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function ClientsPage() {
  const { session } = useSession();
  const { query, route } = useLocation();
  const filter = filterOf(query);
  const filterKey = urlOf(filter);
  // Cursors of the pages up to the current one, for the filter they belong to (the API's go forward only).
  const [paging, setPaging] = useState<{ key: string; cursors: (string | undefined)[] }>({
    key: filterKey,
    cursors: [undefined],
  });
  const cursors = paging.key === filterKey ? paging.cursors : [undefined];
  const setCursors = (next: (string | undefined)[]) => setPaging({ key: filterKey, cursors: next });
  const cursor = cursors[cursors.length - 1];
  const page = useLoad(() => session.api.listClients(filter, PAGE_SIZE, cursor), [filterKey, cursor]);
  const filtered = Object.values(filter).some(Boolean);
  return (
    <Page
      title="Clients"
      actions={
        <a class="button button-primary" href="/console/clients/new">
          New client
        </a>
      }
    >
      <Filters filter={filter} onApply={(next) => route(urlOf(next))} />
      <ProblemBanner problem={page.problem} />
      {page.loading && !page.value ? (
        <Loading what="clients" />
      ) : (
        page.value && (
          <>
            <ResultCount
              loading={page.loading}
              count={page.value.items.length}
              noun={['client', 'clients']}
              page={cursors.length}
              more={Boolean(page.value.next_cursor)}
              empty={filtered ? 'No client matches these filters.' : 'No clients yet.'}
            />
            {page.value.items.length > 0 && <ClientTable clients={page.value.items} />}
            <Pager
              label="Client pages"
              page={cursors.length}
              hasNext={Boolean(page.value.next_cursor)}
              onPrevious={() => setCursors(cursors.slice(0, -1))}
              onNext={() => setCursors([...cursors, page.value!.next_cursor ?? undefined])}
            />
          </>
        )
      )}
    </Page>
  );
}
