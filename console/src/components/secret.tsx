import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import { serverMetadata } from '../api/oauth';
import { download } from './download';
import { Time } from './format';

interface SecretProps {
  readonly clientId: string;
  readonly clientName: string;
  readonly clientSecret: string;
  /** After a rotation with a grace period: when the previous secret stops working. */
  readonly previousSecretExpiresAt?: string | null;
  readonly onDone: () => void;
}

/**
 * The same lines the API's `?download=env` answers (README: TOLLGATE_CLIENT_ID, TOLLGATE_CLIENT_SECRET,
 * TOLLGATE_TOKEN_ENDPOINT, TOLLGATE_ISSUER), from the discovery document's issuer and token endpoint.
 */
async function envFile(clientId: string, clientSecret: string): Promise<Blob> {
  const { issuer, token_endpoint } = await serverMetadata();
  const lines = [
    '# Tollgate client credentials. Keep this file secret; the secret cannot be shown again (rotate it if lost).',
    `TOLLGATE_CLIENT_ID=${clientId}`,
    `TOLLGATE_CLIENT_SECRET=${clientSecret}`,
    `TOLLGATE_TOKEN_ENDPOINT=${token_endpoint}`,
    `TOLLGATE_ISSUER=${issuer}`,
    '',
  ];
  return new Blob([lines.join('\n')], { type: 'text/plain' });
}

/**
 * A new secret, shown this once: copy it, or download the .env file, before leaving. It lives in this
 * component's state only and is gone when the administrator confirms or navigates away.
 */
export function SecretReveal({ clientId, clientName, clientSecret, previousSecretExpiresAt, onDone }: SecretProps) {
  const [status, setStatus] = useState('');
  const region = useRef<HTMLDivElement>(null);
  useLayoutEffect(() => region.current?.focus(), []);
  const copy = async (text: string, what: string) => {
    try {
      await navigator.clipboard.writeText(text);
      setStatus(`${what} copied to the clipboard.`);
    } catch {
      setStatus(`Copying is not allowed here: select the ${what.toLowerCase()} and copy it yourself.`);
    }
  };
  return (
    <div class="secret-reveal" ref={region} tabIndex={-1} role="region" aria-labelledby="secret-title">
      <h2 id="secret-title">Credentials of {clientName}</h2>
      <p class="banner banner-warning">
        <strong>Store the secret now: it cannot be shown again.</strong> Tollgate keeps only a digest of it. If it is
        lost, rotate the secret.
      </p>
      <div class="credential">
        <label for="new-client-id">client_id</label>
        <div class="credential-row">
          <input id="new-client-id" class="mono" readOnly value={clientId} />
          <button type="button" class="button" onClick={() => copy(clientId, 'Client ID')}>
            Copy client ID
          </button>
        </div>
      </div>
      <div class="credential">
        <label for="new-client-secret">client_secret</label>
        <div class="credential-row">
          <input id="new-client-secret" class="mono" readOnly value={clientSecret} />
          <button type="button" class="button button-primary" onClick={() => copy(clientSecret, 'Secret')}>
            Copy secret
          </button>
        </div>
      </div>
      {previousSecretExpiresAt && (
        <p>
          The previous secret keeps working until <Time value={previousSecretExpiresAt} />.
        </p>
      )}
      <p class="status" role="status" aria-live="polite">
        {status}
      </p>
      <div class="actions">
        <button
          type="button"
          class="button"
          onClick={async () => download(await envFile(clientId, clientSecret), `tollgate-${clientId}.env`)}
        >
          Download .env file
        </button>
        <button type="button" class="button button-primary" onClick={onDone}>
          I have stored the secret
        </button>
      </div>
    </div>
  );
}
