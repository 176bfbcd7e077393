import type { Client } from '../api/types';
import { useAction } from '../components/async';
import { useSession } from '../session';
import { ClientForm, changesOf } from './client-form';

/** Edit a client: PATCH with the fields that changed. */
export function ChangesForm({
  client,
  onSaved,
  onCancel,
}: {
  client: Client;
  onSaved: (message: string) => Promise<void>;
  onCancel: () => void;
}) {
  const { session } = useSession();
  const action = useAction();
  return (
    <ClientForm
      client={client}
      action={action}
      submitLabel="Save changes"
      onCancel={onCancel}
      onSubmit={async (input) => {
        const changes = changesOf(client, input);
        if (Object.keys(changes).length === 0) return onSaved('Nothing changed.');
        await session.api.updateClient(client.client_id, changes);
        await onSaved(`${input.name} was saved.`);
      }}
    />
  );
}
