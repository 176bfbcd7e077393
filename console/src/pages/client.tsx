import { useState } from 'preact/hooks';
import { useLocation, useRoute } from 'preact-iso';
import type { Client, Page as ListPage, RotatedSecret, TokenSession } from '../api/types';
import { type Loaded, useAction, useLoad } from '../components/async';
import { ConfirmDialog } from '../components/dialog';
import { Loading, Notice, ProblemBanner } from '../components/feedback';
import { SelectField } from '../components/fields';
import { Time } from '../components/format';
import { Page, Pager } from '../components/page';
import { SecretReveal } from '../components/secret';
import { useDirectory } from '../directory';
import { useSession } from '../session';
import { ChangesForm } from './client-edit';
import { IpRestriction, StatusBadge } from './clients';

const GRACE_PERIODS = [
  { value: '0', label: 'None: the current secret stops working now' },
  { value: '3600', label: '1 hour' },
  { value: '86400', label: '1 day' },
  { value: '604800', label: '7 days (the longest)' },
];

type Dialog = 'rotate' | 'delete' | 'deactivate' | 'revoke-all' | { revoke: TokenSession };

function Details({ client }: { client: Client }) {
  const directory = useDirectory();
  return (
    <dl class="details">
      <dt>client_id</dt>
      <dd>
        <code>{client.client_id}</code>
      </dd>
      <dt>Role</dt>
      <dd>{client.role}</dd>
      <dt>Status</dt>
      <dd>
        <StatusBadge status={client.status} />
      </dd>
      <dt>Organization</dt>
      <dd>{directory.organizationName(client.organization_id)}</dd>
      <dt>IP restriction</dt>
      <dd>
        {client.ip_allowlist.length ? <code>{client.ip_allowlist.join(', ')}</code> : <IpRestriction entries={[]} />}
      </dd>
      <dt>Note</dt>
      <dd>{client.note || <span class="muted">—</span>}</dd>
      <dt>Created</dt>
      <dd>
        <Time value={client.created_at} />
        {client.created_by && (
          <>
            {' '}
            by <code>{client.created_by}</code>
          </>
        )}
      </dd>
      <dt>Updated</dt>
      <dd>
        <Time value={client.updated_at} />
      </dd>
      <dt>Last used</dt>
      <dd>
        <Time value={client.last_used_at} empty="Never" />
      </dd>
    </dl>
  );
}

interface SessionsProps {
  readonly client: Client;
  readonly page: Loaded<ListPage<TokenSession>>;
  readonly pageNumber: number;
  readonly onPage: (cursor: string | null) => void;
  readonly onRevoke: (token: TokenSession) => void;
  readonly onRevokeAll: () => void;
}

function Sessions({ client, page, pageNumber, onPage, onRevoke, onRevokeAll }: SessionsProps) {
  const { session } = useSession();
  const own = (jti: string) => client.client_id === session.admin.clientId && jti === session.admin.jti;
  return (
    <section class="section" aria-labelledby="sessions-title">
      <div class="section-header">
        <h2 id="sessions-title">Live tokens</h2>
        {page.value && page.value.items.length > 0 && (
          <button type="button" class="button button-danger" onClick={onRevokeAll}>
            Revoke all tokens
          </button>
        )}
      </div>
      <p class="hint">
        Each token a client obtains is a session until it expires (24 hours) or is revoked. Resource servers that
        introspect see a revoked token as inactive at once.
      </p>
      <ProblemBanner problem={page.problem} />
      {page.loading && !page.value && <Loading what="tokens" />}
      {page.value && page.value.items.length === 0 && <p>No live tokens.</p>}
      {page.value && page.value.items.length > 0 && (
        <div class="table-wrap" tabIndex={0} role="group" aria-label="Live tokens table, scrolls sideways">
          <table>
            <thead>
              <tr>
                <th scope="col">Issued</th>
                <th scope="col">Expires</th>
                <th scope="col">Scope</th>
                <th scope="col">Address</th>
                <th scope="col">Token ID (jti)</th>
                <th scope="col">
                  <span class="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {page.value.items.map((item) => (
                <tr key={item.jti}>
                  <td>
                    <Time value={item.issued_at} seconds />
                  </td>
                  <td>
                    <Time value={item.expires_at} />
                  </td>
                  <td>
                    <code>{item.scope}</code>
                  </td>
                  <td>
                    <code>{item.ip}</code>
                  </td>
                  <td>
                    <code>{item.jti}</code>
                    {own(item.jti) && <span class="badge"> this console</span>}
                  </td>
                  <td>
                    <button
                      type="button"
                      class="button button-small"
                      onClick={() => onRevoke(item)}
                      aria-label={`Revoke the token issued ${new Date(item.issued_at).toLocaleString()} from ${item.ip}`}
                    >
                      Revoke
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {page.value && (
        <Pager
          label="Token pages"
          page={pageNumber}
          hasNext={Boolean(page.value.next_cursor)}
          onPrevious={() => onPage(null)}
          onNext={() => onPage(page.value!.next_cursor)}
        />
      )}
    </section>
  );
}

export function ClientPage() {
  const { session, signOut } = useSession();
  const { route } = useLocation();
  const clientId = useRoute().params.clientId!;
  const loaded = useLoad(() => session.api.getClient(clientId), [clientId]);
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const cursor = cursors[cursors.length - 1];
  const sessions = useLoad(() => session.api.listSessions(clientId, cursor), [clientId, cursor]);
  const [editing, setEditing] = useState(false);
  const [dialog, setDialog] = useState<Dialog | null>(null);
  const [secret, setSecret] = useState<RotatedSecret>();
  const [notice, setNotice] = useState('');
  const [gracePeriod, setGracePeriod] = useState('0');
  const dialogAction = useAction();
  const statusAction = useAction();
  const client = loaded.value;
  const refresh = () => Promise.all([loaded.reload(), sessions.reload()]);
  /** After a change: the page shows the client as it is now, then says what happened. */
  const done = async (message: string) => {
    await refresh();
    setNotice(message);
  };
  const open = (next: Dialog) => {
    setNotice('');
    if (next === 'rotate') setGracePeriod('0');
    setDialog(next);
  };
  const edit = () => {
    setNotice('');
    setEditing(true);
  };

  if (!client) {
    return (
      <Page title="Client">
        {loaded.problem ? <ProblemBanner problem={loaded.problem} /> : <Loading what="the client" />}
      </Page>
    );
  }
  const label = `“${client.name}” (${client.client_id})`;
  return (
    <Page
      title={client.name}
      actions={
        !editing &&
        !secret && (
          <>
            <button type="button" class="button" onClick={() => void refresh()}>
              Refresh
            </button>
            <button type="button" class="button" onClick={edit}>
              Edit
            </button>
            {client.status === 'active' ? (
              <button type="button" class="button" onClick={() => open('deactivate')}>
                Deactivate
              </button>
            ) : (
              <button
                type="button"
                class="button"
                disabled={statusAction.busy}
                onClick={() =>
                  void statusAction.run(async () => {
                    await session.api.updateClient(client.client_id, { status: 'active' });
                    await done(`${client.name} is active again.`);
                  })
                }
              >
                {statusAction.busy ? 'Activating…' : 'Activate'}
              </button>
            )}
            <button type="button" class="button" onClick={() => open('rotate')}>
              Rotate secret
            </button>
            <button type="button" class="button button-danger" onClick={() => open('delete')}>
              Delete
            </button>
          </>
        )
      }
    >
      <p class="breadcrumb">
        <a href="/console/clients">All clients</a>
      </p>
      {notice && <Notice>{notice}</Notice>}
      <ProblemBanner problem={statusAction.problem ?? loaded.problem} />
      {secret ? (
        <SecretReveal
          clientId={secret.client_id}
          clientName={client.name}
          clientSecret={secret.client_secret}
          previousSecretExpiresAt={secret.previous_secret_expires_at}
          onDone={() => {
            setSecret(undefined);
            void refresh();
          }}
        />
      ) : editing ? (
        <ChangesForm
          client={client}
          onSaved={async (message) => {
            await done(message);
            setEditing(false);
          }}
          onCancel={() => setEditing(false)}
        />
      ) : (
        <>
          <Details client={client} />
          <Sessions
            client={client}
            page={sessions}
            pageNumber={cursors.length}
            onPage={(next) => setCursors(next === null ? cursors.slice(0, -1) : [...cursors, next])}
            onRevoke={(item) => open({ revoke: item })}
            onRevokeAll={() => open('revoke-all')}
          />
        </>
      )}

      {dialog === 'rotate' && (
        <ConfirmDialog
          title={`Rotate the secret of ${client.name}?`}
          confirmLabel="Rotate secret"
          action={dialogAction}
          onClose={() => setDialog(null)}
          onConfirm={async () => setSecret(await session.api.rotateSecret(client.client_id, Number(gracePeriod)))}
        >
          <p>
            A new secret is generated and shown once. Tokens already issued stay valid; revoke them below if the old
            secret leaked.
          </p>
          <SelectField
            label="Previous secret keeps working for"
            value={gracePeriod}
            onValue={setGracePeriod}
            choices={GRACE_PERIODS}
            hint="A grace period lets running systems switch to the new secret without an outage."
          />
        </ConfirmDialog>
      )}
      {dialog === 'delete' && (
        <ConfirmDialog
          title={`Delete ${client.name}?`}
          confirmLabel={`Delete ${client.name}`}
          danger
          action={dialogAction}
          onClose={() => setDialog(null)}
          onConfirm={async () => {
            await session.api.deleteClient(client.client_id);
            route('/console/clients');
          }}
        >
          <p>
            This deletes the client {label} and revokes all its tokens now. Anything using its credentials stops
            working. This cannot be undone.
          </p>
        </ConfirmDialog>
      )}
      {dialog === 'deactivate' && (
        <ConfirmDialog
          title={`Deactivate ${client.name}?`}
          confirmLabel="Deactivate"
          danger
          action={dialogAction}
          onClose={() => setDialog(null)}
          onConfirm={async () => {
            await session.api.updateClient(client.client_id, { status: 'inactive' });
            await done(`${client.name} is inactive; its tokens were revoked.`);
          }}
        >
          <p>
            The client {label} gets no more tokens, and every token it holds is revoked now. You can activate it again
            later.
          </p>
        </ConfirmDialog>
      )}
      {dialog === 'revoke-all' && (
        <ConfirmDialog
          title={`Revoke every token of ${client.name}?`}
          confirmLabel="Revoke all tokens"
          danger
          action={dialogAction}
          onClose={() => setDialog(null)}
          onConfirm={async () => {
            await session.api.revokeAllSessions(client.client_id);
            if (client.client_id === session.admin.clientId) return signOut();
            await done(`Every token of ${client.name} was revoked.`);
          }}
        >
          <p>The client keeps its secret and can get new tokens; its current tokens stop working now.</p>
          {client.client_id === session.admin.clientId && (
            <p>This includes the token of this console: you will be signed out.</p>
          )}
        </ConfirmDialog>
      )}
      {dialog !== null && typeof dialog === 'object' && (
        <ConfirmDialog
          title="Revoke this token?"
          confirmLabel="Revoke token"
          danger
          action={dialogAction}
          onClose={() => setDialog(null)}
          onConfirm={async () => {
            if (client.client_id === session.admin.clientId && dialog.revoke.jti === session.admin.jti)
              return signOut();
            await session.api.revokeSession(client.client_id, dialog.revoke.jti);
            await done(`The token ${dialog.revoke.jti} was revoked.`);
          }}
        >
          <p>
            The token of {client.name} issued <Time value={dialog.revoke.issued_at} seconds /> from{' '}
            <code>{dialog.revoke.ip}</code> stops working now.
          </p>
          {client.client_id === session.admin.clientId && dialog.revoke.jti === session.admin.jti && (
            <p>It is this console's own token: you will be signed out.</p>
          )}
        </ConfirmDialog>
      )}
    </Page>
  );
}
