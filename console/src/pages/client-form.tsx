import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { Client, ClientInput, ClientStatus } from '../api/types';
import {
  type Allowlist,
  AllowlistEditor,
  allowlistOf,
  allowlistProblems,
  allowlistValue,
  isAllowlistField,
} from '../components/allowlist';
import type { Action } from '../components/async';
import { ProblemBanner } from '../components/feedback';
import { RadioGroup, SelectField, TextAreaField, TextField } from '../components/fields';
import { useDirectory } from '../directory';
import { useSession } from '../session';

/** Roles only the built-ins hold, which an org-admin cannot hand out. */
const ADMINISTRATIVE_ROLES = new Set(['admin', 'org-admin']);
const FORM_FIELDS = new Set(['name', 'role', 'organization_id', 'status', 'note']);

interface ClientFormProps {
  /** The client being edited; none when creating one. */
  readonly client?: Client;
  readonly action: Action;
  readonly submitLabel: string;
  readonly onSubmit: (input: ClientInput) => Promise<unknown>;
  readonly onCancel: () => void;
}

interface Draft {
  name: string;
  role: string;
  organizationId: string;
  allowlist: Allowlist;
  status: ClientStatus;
  note: string;
}

/** Create or edit a client: what POST and PATCH /clients take, with each API complaint next to its field. */
export function ClientForm({ client, action, submitLabel, onSubmit, onCancel }: ClientFormProps) {
  const { session } = useSession();
  const directory = useDirectory();
  const platform = session.admin.kind === 'platform';
  const [draft, setDraft] = useState<Draft>({
    name: client?.name ?? '',
    role: client?.role ?? directory.roles.find((role) => !ADMINISTRATIVE_ROLES.has(role.name))?.name ?? '',
    organizationId: client?.organization_id ?? '',
    allowlist: allowlistOf(client?.ip_allowlist ?? []),
    status: client?.status ?? 'active',
    note: client?.note ?? '',
  });
  const [attempted, setAttempted] = useState(false);
  // Counts submits refused here; after each, once its errors are rendered, the first bad entry takes focus.
  const [refusals, setRefusals] = useState(0);
  const form = useRef<HTMLFormElement>(null);
  useLayoutEffect(() => {
    if (refusals > 0) form.current?.querySelector<HTMLInputElement>('.allowlist input[aria-invalid="true"]')?.focus();
  }, [refusals]);
  const set =
    <K extends keyof Draft>(field: K) =>
    (value: Draft[K]) =>
      setDraft({ ...draft, [field]: value });
  const roleChoices = directory.roles
    .filter((role) => platform || !ADMINISTRATIVE_ROLES.has(role.name) || role.name === client?.role)
    .map((role) => ({ value: role.name, label: `${role.name} (${role.scopes.join(' ')})` }));
  const errors = (field: string) => action.problem?.messagesFor(field) ?? [];

  const submit = (event: Event) => {
    event.preventDefault();
    setAttempted(true);
    if (allowlistProblems(draft.allowlist).size > 0) {
      setRefusals((count) => count + 1);
      return;
    }
    const input: ClientInput = {
      name: draft.name,
      role: draft.role,
      ip_allowlist: allowlistValue(draft.allowlist),
      status: draft.status,
      note: draft.note,
      ...(platform ? { organization_id: draft.organizationId || null } : {}),
    };
    void action.run(() => onSubmit(input));
  };

  return (
    <form class="form" ref={form} onSubmit={submit} noValidate>
      <ProblemBanner
        problem={action.problem}
        shownFields={(field) => FORM_FIELDS.has(field) || isAllowlistField(field)}
      />
      <TextField
        label="Name"
        value={draft.name}
        onValue={set('name')}
        hint="What it is for, e.g. SOAR playbooks (1-200 characters)."
        errors={errors('name')}
        maxLength={200}
      />
      <SelectField
        label="Role"
        value={draft.role}
        onValue={set('role')}
        choices={roleChoices}
        hint="The role decides the token's scopes."
        errors={errors('role')}
      />
      {platform && (
        <SelectField
          label="Organization"
          value={draft.organizationId}
          onValue={set('organizationId')}
          choices={[
            { value: '', label: 'None: a platform client' },
            ...directory.organizations.map((organization) => ({ value: organization.id, label: organization.name })),
          ]}
          hint="admin clients belong to no organization; org-admin clients must belong to one."
          errors={errors('organization_id')}
        />
      )}
      <AllowlistEditor
        value={draft.allowlist}
        onChange={set('allowlist')}
        showAll={attempted}
        problem={action.problem}
      />
      <RadioGroup
        legend="Status"
        name="status"
        value={draft.status}
        onValue={(value) => set('status')(value as ClientStatus)}
        choices={[
          { value: 'active', label: 'Active', hint: 'may get tokens' },
          {
            value: 'inactive',
            label: 'Inactive',
            hint: 'gets no tokens; setting a client inactive revokes its tokens',
          },
        ]}
        errors={errors('status')}
      />
      <TextAreaField
        label="Note"
        value={draft.note}
        onValue={set('note')}
        hint="Who uses it and where; never a secret."
        errors={errors('note')}
      />
      <div class="actions">
        <button type="button" class="button" onClick={onCancel} disabled={action.busy}>
          Cancel
        </button>
        <button type="submit" class="button button-primary" disabled={action.busy} aria-busy={action.busy}>
          {action.busy ? 'Saving…' : submitLabel}
        </button>
      </div>
    </form>
  );
}

/** The fields that differ from the client as it is: a PATCH changes only what was changed. */
export function changesOf(client: Client, input: ClientInput): Partial<ClientInput> {
  const changes: Partial<ClientInput> = {};
  if (input.name !== client.name) changes.name = input.name;
  if (input.role !== client.role) changes.role = input.role;
  if (input.status !== client.status) changes.status = input.status;
  if (input.note !== client.note) changes.note = input.note;
  if (input.organization_id !== undefined && input.organization_id !== client.organization_id)
    changes.organization_id = input.organization_id;
  if (JSON.stringify(input.ip_allowlist) !== JSON.stringify(client.ip_allowlist))
    changes.ip_allowlist = input.ip_allowlist;
  return changes;
}
