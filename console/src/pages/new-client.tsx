import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import type { CreatedClient } from '../api/types';
import { useAction } from '../components/async';
import { Page } from '../components/page';
import { SecretReveal } from '../components/secret';
import { useSession } from '../session';
import { ClientForm } from './client-form';

export function NewClientPage() {
  const { session } = useSession();
  const { route } = useLocation();
  const action = useAction();
  const [created, setCreated] = useState<CreatedClient>();
  const clientUrl = (clientId: string) => `/console/clients/${encodeURIComponent(clientId)}`;
  return (
    <Page title={created ? 'Client created' : 'New client'}>
      {created ? (
        <SecretReveal
          clientId={created.client_id}
          clientName={created.name}
          clientSecret={created.client_secret}
          onDone={() => route(clientUrl(created.client_id))}
        />
      ) : (
        <ClientForm
          action={action}
          submitLabel="Create client"
          onSubmit={async (input) => setCreated(await session.api.createClient(input))}
          onCancel={() => route('/console/clients')}
        />
      )}
    </Page>
  );
}
