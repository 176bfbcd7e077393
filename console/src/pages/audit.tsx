import { Fragment } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { AUDIT_EVENT_TYPES } from '../../../src/audit/event-types';
import type { ApiProblem } from '../api/problem';
import type { AuditEvent, AuditFilter } from '../api/types';
import { useAction, useLoad } from '../components/async';
import { download } from '../components/download';
import { Loading, Notice, ProblemBanner } from '../components/feedback';
import { SelectField, TextField } from '../components/fields';
import { localInputToIso, Time } from '../components/format';
import { Page, Pager, ResultCount } from '../components/page';
import { useDirectory } from '../directory';
import { useSession } from '../session';

const PAGE_SIZE = 50;
const FILTER_FIELDS = ['type', 'client_id', 'organization_id', 'since', 'until'] as const;

/** Suggestions only: the field takes any type (docs/audit-and-cli.md describes them). */
const KNOWN_TYPES = AUDIT_EVENT_TYPES;

function filterOf(query: Record<string, string>): AuditFilter {
  return Object.fromEntries(FILTER_FIELDS.filter((field) => query[field]).map((field) => [field, query[field]]));
}

function urlOf(filter: AuditFilter): string {
  const search = new URLSearchParams(
    Object.entries(filter).filter((entry): entry is [string, string] => Boolean(entry[1])),
  ).toString();
  return `/console/audit${search ? `?${search}` : ''}`;
}

/** An ISO instant as a `datetime-local` value in the reader's time zone. */
function isoToLocalInput(iso: string | undefined): string {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  return new Date(date.getTime() - date.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}

function Filters({
  filter,
  problem,
  onApply,
}: {
  filter: AuditFilter;
  problem: ApiProblem | undefined;
  onApply: (filter: AuditFilter) => void;
}) {
  const { session } = useSession();
  const directory = useDirectory();
  const [draft, setDraft] = useState({
    ...filter,
    since: isoToLocalInput(filter.since),
    until: isoToLocalInput(filter.until),
  });
  useEffect(
    () => setDraft({ ...filter, since: isoToLocalInput(filter.since), until: isoToLocalInput(filter.until) }),
    [urlOf(filter)],
  );
  const set = (field: keyof AuditFilter) => (value: string) => setDraft({ ...draft, [field]: value });
  const errors = (field: string) => problem?.messagesFor(field) ?? [];
  return (
    <form
      class="filters"
      role="search"
      aria-label="Filter audit events"
      onSubmit={(event) => {
        event.preventDefault();
        onApply({
          ...draft,
          type: draft.type?.trim(),
          client_id: draft.client_id?.trim(),
          since: localInputToIso(draft.since ?? ''),
          until: localInputToIso(draft.until ?? ''),
        });
      }}
    >
      <TextField
        label="Event type"
        value={draft.type ?? ''}
        onValue={set('type')}
        list="audit-types"
        placeholder="e.g. token.denied"
        errors={errors('type')}
        spellcheck={false}
      />
      <datalist id="audit-types">
        {KNOWN_TYPES.map((type) => (
          <option key={type} value={type} />
        ))}
      </datalist>
      <TextField
        label="Client ID"
        value={draft.client_id ?? ''}
        onValue={set('client_id')}
        errors={errors('client_id')}
        spellcheck={false}
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
          errors={errors('organization_id')}
        />
      )}
      <TextField
        label="From (your local time)"
        type="datetime-local"
        value={draft.since ?? ''}
        onValue={set('since')}
        errors={errors('since')}
      />
      <TextField
        label="Until (your local time)"
        type="datetime-local"
        value={draft.until ?? ''}
        onValue={set('until')}
        errors={errors('until')}
      />
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

function EventRow({ event }: { event: AuditEvent }) {
  const directory = useDirectory();
  const [open, setOpen] = useState(false);
  const detailsId = `event-${event.id}`;
  const details = Object.entries(event.details);
  return (
    <>
      <tr>
        <td>
          <Time value={event.at} seconds />
        </td>
        <th scope="row">
          <button
            type="button"
            class="disclosure"
            aria-expanded={open}
            aria-controls={detailsId}
            onClick={() => setOpen(!open)}
          >
            <code>{event.type}</code>
            <span class="sr-only"> at {event.at}: details</span>
          </button>
        </th>
        <td>{event.actor ? <code>{event.actor}</code> : <span class="muted">nobody</span>}</td>
        <td>{event.client_id ? <code>{event.client_id}</code> : <span class="muted">—</span>}</td>
        <td>
          {event.organization_id ? directory.organizationName(event.organization_id) : <span class="muted">—</span>}
        </td>
        <td>{event.ip ? <code>{event.ip}</code> : <span class="muted">—</span>}</td>
      </tr>
      <tr id={detailsId} class="event-details" hidden={!open}>
        <td colSpan={6}>
          <dl class="details">
            <dt>Event ID</dt>
            <dd>
              <code>{event.id}</code>
            </dd>
            <dt>Request ID</dt>
            <dd>{event.request_id ? <code>{event.request_id}</code> : <span class="muted">—</span>}</dd>
            {details.map(([name, value]) => (
              <Fragment key={name}>
                <dt>{name}</dt>
                <dd>
                  <code class="wrap">{typeof value === 'string' ? value : JSON.stringify(value)}</code>
                </dd>
              </Fragment>
            ))}
          </dl>
        </td>
      </tr>
    </>
  );
}

/** The audit trail, newest first, with its filters; the NDJSON export takes the same filters. */
export function AuditPage() {
  const { session } = useSession();
  const { query, route } = useLocation();
  const filter = filterOf(query);
  const filterKey = urlOf(filter);
  const [paging, setPaging] = useState<{ key: string; cursors: (string | undefined)[] }>({
    key: filterKey,
    cursors: [undefined],
  });
  const cursors = paging.key === filterKey ? paging.cursors : [undefined];
  const setCursors = (next: (string | undefined)[]) => setPaging({ key: filterKey, cursors: next });
  const cursor = cursors[cursors.length - 1];
  const page = useLoad(() => session.api.listAuditEvents(filter, PAGE_SIZE, cursor), [filterKey, cursor]);
  const exporting = useAction();
  const [exported, setExported] = useState<number | null>(null);
  const [progress, setProgress] = useState(0);
  const exportEvents = () =>
    void exporting.run(async () => {
      setExported(null);
      setProgress(0);
      const { file, events } = await session.api.exportAuditEvents(filter, setProgress);
      download(file, `tollgate-audit-${new Date().toISOString().replace(/[:.]/g, '-')}.ndjson`);
      setExported(events);
    });
  return (
    <Page
      title="Audit log"
      actions={
        <button
          type="button"
          class="button"
          onClick={exportEvents}
          disabled={exporting.busy}
          aria-busy={exporting.busy}
        >
          {exporting.busy ? `Exporting… ${progress} events` : 'Export NDJSON'}
        </button>
      }
    >
      <p class="hint">
        Every admin action and token decision, newest first
        {session.admin.kind === 'organization' ? ', for your organization' : ''}. The export streams every event that
        matches the filters as NDJSON, one JSON object per line, for SIEM import.
      </p>
      <Filters filter={filter} problem={page.problem} onApply={(next) => route(urlOf(next))} />
      <ProblemBanner problem={exporting.problem} />
      {exported !== null && <Notice>Exported {exported === 1 ? '1 event' : `${exported} events`}.</Notice>}
      <ProblemBanner
        problem={page.problem}
        shownFields={(field) => (FILTER_FIELDS as readonly string[]).includes(field)}
      />
      {page.loading && !page.value && <Loading what="audit events" />}
      {page.value && (
        <ResultCount
          loading={page.loading}
          count={page.value.items.length}
          noun={['event', 'events']}
          page={cursors.length}
          more={Boolean(page.value.next_cursor)}
          empty="No event matches these filters."
        />
      )}
      {page.value && page.value.items.length > 0 && (
        <div class="table-wrap" tabIndex={0} role="group" aria-label="Audit events table, scrolls sideways">
          <table>
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Type</th>
                <th scope="col">Actor</th>
                <th scope="col">Client</th>
                <th scope="col">Organization</th>
                <th scope="col">Address</th>
              </tr>
            </thead>
            <tbody>
              {page.value.items.map((event) => (
                <EventRow key={event.id} event={event} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      {page.value && (
        <Pager
          label="Audit pages"
          page={cursors.length}
          hasNext={Boolean(page.value.next_cursor)}
          onPrevious={() => setCursors(cursors.slice(0, -1))}
          onNext={() => setCursors([...cursors, page.value!.next_cursor ?? undefined])}
        />
      )}
    </Page>
  );
}
