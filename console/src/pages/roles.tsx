import { useState } from 'preact/hooks';
import type { ApiProblem } from '../api/problem';
import type { Role } from '../api/types';
import { useAction } from '../components/async';
import { ConfirmDialog } from '../components/dialog';
import { Notice, ProblemBanner } from '../components/feedback';
import { TextField } from '../components/fields';
import { Page } from '../components/page';
import { useDirectory } from '../directory';
import { useSession } from '../session';

/** Scopes as typed: separated by spaces or commas, like a token's `scope`. */
function scopesOf(text: string): string[] {
  return text.split(/[\s,]+/).filter(Boolean);
}

const isRoleField = (field: string) => ['name', 'scopes', 'description'].includes(field) || field.startsWith('scopes.');

/** The API names a bad scope by its position (`scopes.1`): say which one it is. */
function scopeErrors(problem: ApiProblem | undefined, scopes: string[]): string[] {
  if (!problem) return [];
  return problem.errors
    .filter((issue) => issue.field === 'scopes' || issue.field.startsWith('scopes.'))
    .map((issue) => {
      const index = Number(issue.field.split('.')[1]);
      return Number.isInteger(index) && scopes[index] !== undefined
        ? `"${scopes[index]}": ${issue.message}`
        : issue.message;
    });
}

const SCOPES_HINT =
  'Separated by spaces or commas; names of a-z 0-9 : . _ -. "admin" and "org-admin" are reserved to the built-in roles.';

function RoleFields({
  name,
  scopes,
  description,
  problem,
}: {
  name?: [string, (v: string) => void];
  scopes: [string, (v: string) => void];
  description: [string, (v: string) => void];
  problem: ApiProblem | undefined;
}) {
  return (
    <>
      {name && (
        <TextField
          label="Name"
          value={name[0]}
          onValue={name[1]}
          hint="1-64 characters of a-z 0-9 . _ -"
          errors={problem?.messagesFor('name')}
          spellcheck={false}
        />
      )}
      <TextField
        label="Scopes"
        value={scopes[0]}
        onValue={scopes[1]}
        hint={SCOPES_HINT}
        errors={scopeErrors(problem, scopesOf(scopes[0]))}
        spellcheck={false}
        class="mono"
      />
      <TextField
        label="Description"
        value={description[0]}
        onValue={description[1]}
        errors={problem?.messagesFor('description')}
        maxLength={500}
      />
    </>
  );
}

function CreateRole({ onCreated }: { onCreated: (role: Role) => Promise<void> }) {
  const { session } = useSession();
  const action = useAction();
  const name = useState('');
  const scopes = useState('');
  const description = useState('');
  return (
    <form
      class="form"
      aria-labelledby="new-role-title"
      onSubmit={(event) => {
        event.preventDefault();
        void action.run(async () => {
          await onCreated(
            await session.api.createRole({ name: name[0], scopes: scopesOf(scopes[0]), description: description[0] }),
          );
          name[1]('');
          scopes[1]('');
          description[1]('');
        });
      }}
    >
      <h2 id="new-role-title">New custom role</h2>
      <ProblemBanner problem={action.problem} shownFields={isRoleField} />
      <RoleFields name={name} scopes={scopes} description={description} problem={action.problem} />
      <div class="actions">
        <button type="submit" class="button button-primary" disabled={action.busy} aria-busy={action.busy}>
          {action.busy ? 'Creating…' : 'Create role'}
        </button>
      </div>
    </form>
  );
}

/** Built-in roles are fixed; custom roles are named sets of scopes that platform admins shape. */
export function RolesPage() {
  const { session } = useSession();
  const directory = useDirectory();
  const platform = session.admin.kind === 'platform';
  const action = useAction();
  const [dialog, setDialog] = useState<{ kind: 'edit' | 'delete'; role: Role } | null>(null);
  const scopes = useState('');
  const description = useState('');
  const [notice, setNotice] = useState('');
  const changed = async (message: string) => {
    await directory.reload();
    setNotice(message);
  };
  const edit = (role: Role) => {
    scopes[1](role.scopes.join(' '));
    description[1](role.description);
    setDialog({ kind: 'edit', role });
  };
  return (
    <Page title="Roles">
      <p class="hint">
        A client's role decides the scopes of its tokens. Changes to a custom role apply to tokens issued from then on.
      </p>
      {notice && <Notice>{notice}</Notice>}
      <div class="table-wrap" tabIndex={0} role="group" aria-label="Roles table, scrolls sideways">
        <table>
          <thead>
            <tr>
              <th scope="col">Role</th>
              <th scope="col">Scopes</th>
              <th scope="col">Description</th>
              <th scope="col">Kind</th>
              {platform && (
                <th scope="col">
                  <span class="sr-only">Actions</span>
                </th>
              )}
            </tr>
          </thead>
          <tbody>
            {directory.roles.map((role) => (
              <tr key={role.name}>
                <th scope="row">{role.name}</th>
                <td>
                  <code>{role.scopes.join(' ')}</code>
                </td>
                <td>{role.description || <span class="muted">—</span>}</td>
                <td>
                  {role.built_in ? (
                    <span class="badge">built-in, read-only</span>
                  ) : (
                    <span class="badge badge-active">custom</span>
                  )}
                </td>
                {platform && (
                  <td>
                    <div class="row-actions">
                      {!role.built_in && (
                        <>
                          <button type="button" class="button button-small" onClick={() => edit(role)}>
                            Edit<span class="sr-only"> {role.name}</span>
                          </button>
                          <button
                            type="button"
                            class="button button-small button-danger"
                            onClick={() => setDialog({ kind: 'delete', role })}
                          >
                            Delete<span class="sr-only"> {role.name}</span>
                          </button>
                        </>
                      )}
                    </div>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {platform && <CreateRole onCreated={(role) => changed(`Role ${role.name} was created.`)} />}

      {dialog?.kind === 'edit' && (
        <ConfirmDialog
          title={`Edit role ${dialog.role.name}`}
          confirmLabel="Save role"
          action={action}
          shownFields={isRoleField}
          onClose={() => setDialog(null)}
          onConfirm={async () => {
            await session.api.updateRole(dialog.role.name, {
              scopes: scopesOf(scopes[0]),
              description: description[0],
            });
            await changed(`Role ${dialog.role.name} was saved.`);
          }}
        >
          <RoleFields scopes={scopes} description={description} problem={action.problem} />
        </ConfirmDialog>
      )}
      {dialog?.kind === 'delete' && (
        <ConfirmDialog
          title={`Delete role ${dialog.role.name}?`}
          confirmLabel={`Delete ${dialog.role.name}`}
          danger
          action={action}
          onClose={() => setDialog(null)}
          onConfirm={async () => {
            await session.api.deleteRole(dialog.role.name);
            await changed(`Role ${dialog.role.name} was deleted.`);
          }}
        >
          <p>A role that some client still has cannot be deleted: give those clients another role first.</p>
        </ConfirmDialog>
      )}
    </Page>
  );
}
