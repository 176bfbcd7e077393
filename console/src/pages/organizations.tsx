import { useState } from 'preact/hooks';
import type { Organization } from '../api/types';
import { useAction } from '../components/async';
import { ConfirmDialog } from '../components/dialog';
import { Notice, ProblemBanner } from '../components/feedback';
import { TextField } from '../components/fields';
import { Time } from '../components/format';
import { Page } from '../components/page';
import { useDirectory } from '../directory';
import { useSession } from '../session';

type Dialog = { kind: 'switch' | 'rename' | 'delete'; organization: Organization };

function ApiState({ enabled }: { enabled: boolean }) {
  return <span class={`badge ${enabled ? 'badge-active' : 'badge-inactive'}`}>{enabled ? 'API on' : 'API off'}</span>;
}

function CreateOrganization({ onCreated }: { onCreated: (organization: Organization) => Promise<void> }) {
  const { session } = useSession();
  const action = useAction();
  const [name, setName] = useState('');
  return (
    <form
      class="inline-form"
      aria-label="New organization"
      onSubmit={(event) => {
        event.preventDefault();
        void action.run(async () => {
          await onCreated(await session.api.createOrganization(name));
          setName('');
        });
      }}
    >
      <ProblemBanner problem={action.problem} shownFields={(field) => field === 'name'} />
      <TextField
        label="New organization's name"
        value={name}
        onValue={setName}
        errors={action.problem?.messagesFor('name')}
        maxLength={200}
      />
      <button type="submit" class="button button-primary" disabled={action.busy} aria-busy={action.busy}>
        {action.busy ? 'Creating…' : 'Create organization'}
      </button>
    </form>
  );
}

function SwitchButton({ organization, onClick }: { organization: Organization; onClick: () => void }) {
  return (
    <button
      type="button"
      class={`button button-small${organization.api_enabled ? ' button-danger' : ''}`}
      onClick={onClick}
    >
      {organization.api_enabled ? `Switch API off` : `Switch API on`}
      <span class="sr-only"> for {organization.name}</span>
    </button>
  );
}

/**
 * Organizations and their API switches. Platform admins manage them all; an org-admin sees only its own
 * organization and may switch its API, exactly what the API lets it do.
 */
export function OrganizationsPage() {
  const { session } = useSession();
  const directory = useDirectory();
  const platform = session.admin.kind === 'platform';
  const action = useAction();
  const [dialog, setDialog] = useState<Dialog | null>(null);
  const [newName, setNewName] = useState('');
  const [notice, setNotice] = useState('');
  const changed = async (message: string) => {
    await directory.reload();
    setNotice(message);
  };
  const open = (kind: Dialog['kind'], organization: Organization) => {
    setNewName(organization.name);
    setDialog({ kind, organization });
  };

  return (
    <Page title={platform ? 'Organizations' : 'Your organization'}>
      <p class="hint">
        An organization groups clients under their own administrators (org-admin clients), who see and manage only that
        organization. Its API switch stops all its clients from getting tokens while it is off.
      </p>
      {notice && <Notice>{notice}</Notice>}
      {platform && (
        <CreateOrganization onCreated={(organization) => changed(`Organization ${organization.name} was created.`)} />
      )}
      {directory.organizations.length === 0 ? (
        <p>No organizations yet.</p>
      ) : (
        <div class="table-wrap" tabIndex={0} role="group" aria-label="Organizations table, scrolls sideways">
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">ID</th>
                <th scope="col">API</th>
                <th scope="col">Created</th>
                <th scope="col">
                  <span class="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {directory.organizations.map((organization) => (
                <tr key={organization.id}>
                  <th scope="row">{organization.name}</th>
                  <td>
                    <code>{organization.id}</code>
                  </td>
                  <td>
                    <ApiState enabled={organization.api_enabled} />
                  </td>
                  <td>
                    <Time value={organization.created_at} />
                  </td>
                  <td>
                    <div class="row-actions">
                      <a
                        class="button button-small"
                        href={
                          platform
                            ? `/console/clients?organization_id=${encodeURIComponent(organization.id)}`
                            : '/console/clients'
                        }
                      >
                        Clients<span class="sr-only"> of {organization.name}</span>
                      </a>
                      <SwitchButton organization={organization} onClick={() => open('switch', organization)} />
                      {platform && (
                        <>
                          <button
                            type="button"
                            class="button button-small"
                            onClick={() => open('rename', organization)}
                          >
                            Rename<span class="sr-only"> {organization.name}</span>
                          </button>
                          <button
                            type="button"
                            class="button button-small button-danger"
                            onClick={() => open('delete', organization)}
                          >
                            Delete<span class="sr-only"> {organization.name}</span>
                          </button>
                        </>
                      )}
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      {dialog?.kind === 'switch' && (
        <ConfirmDialog
          title={`Switch the API ${dialog.organization.api_enabled ? 'off' : 'on'} for ${dialog.organization.name}?`}
          confirmLabel={dialog.organization.api_enabled ? 'Switch API off' : 'Switch API on'}
          danger={dialog.organization.api_enabled}
          action={action}
          onClose={() => setDialog(null)}
          onConfirm={async () => {
            const updated = await session.api.updateOrganization(dialog.organization.id, {
              api_enabled: !dialog.organization.api_enabled,
            });
            await changed(`The API is ${updated.api_enabled ? 'on' : 'off'} for ${updated.name}.`);
          }}
        >
          {dialog.organization.api_enabled ? (
            <p>
              While it is off, no client of {dialog.organization.name} gets a token (they receive{' '}
              <code>unauthorized_client</code>) and their current tokens introspect as inactive. Its org-admins keep
              access to switch it back on.
            </p>
          ) : (
            <p>
              The clients of {dialog.organization.name} can get tokens again, and their unexpired tokens become valid
              again.
            </p>
          )}
        </ConfirmDialog>
      )}
      {dialog?.kind === 'rename' && (
        <ConfirmDialog
          title={`Rename ${dialog.organization.name}`}
          confirmLabel="Rename"
          action={action}
          shownFields={(field) => field === 'name'}
          onClose={() => setDialog(null)}
          onConfirm={async () => {
            const updated = await session.api.updateOrganization(dialog.organization.id, { name: newName });
            await changed(`${dialog.organization.name} is now called ${updated.name}.`);
          }}
        >
          <TextField
            label="Name"
            value={newName}
            onValue={setNewName}
            errors={action.problem?.messagesFor('name')}
            maxLength={200}
          />
        </ConfirmDialog>
      )}
      {dialog?.kind === 'delete' && (
        <ConfirmDialog
          title={`Delete ${dialog.organization.name}?`}
          confirmLabel={`Delete ${dialog.organization.name}`}
          danger
          action={action}
          onClose={() => setDialog(null)}
          onConfirm={async () => {
            await session.api.deleteOrganization(dialog.organization.id);
            await changed(`${dialog.organization.name} was deleted with all its clients.`);
          }}
        >
          <p>
            This deletes the organization “{dialog.organization.name}” ({dialog.organization.id}){' '}
            <strong>and every one of its clients</strong>, and revokes their tokens now. This cannot be undone.
          </p>
        </ConfirmDialog>
      )}
    </Page>
  );
}
