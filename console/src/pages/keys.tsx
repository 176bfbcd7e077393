import { useState } from 'preact/hooks';
import { useAction, useLoad } from '../components/async';
import { ConfirmDialog } from '../components/dialog';
import { Loading, Notice, ProblemBanner } from '../components/feedback';
import { Time } from '../components/format';
import { Page } from '../components/page';
import { useSession } from '../session';

const ORDER = { next: 0, active: 1, retired: 2 } as const;

/** The signing keys: next (published, not signing yet), active, retired (verifying until their tokens expire). */
export function KeysPage() {
  const { session } = useSession();
  const keys = useLoad(() => session.api.listKeys(), []);
  const action = useAction();
  const [confirming, setConfirming] = useState(false);
  const [notice, setNotice] = useState('');
  const askToConfirm = () => {
    setNotice('');
    setConfirming(true);
  };
  const sorted = [...(keys.value ?? [])].sort(
    (a, b) => ORDER[a.status] - ORDER[b.status] || b.created_at.localeCompare(a.created_at),
  );
  return (
    <Page
      title="Signing keys"
      actions={
        <button type="button" class="button" onClick={askToConfirm}>
          Rotate now
        </button>
      }
    >
      <p class="hint">
        Keys rotate by themselves (<code>KEY_ROTATION_INTERVAL</code>). A <em>next</em> key is published in the JWKS
        before it signs, so resource servers that cache the JWKS already know it; rotating early is refused until it has
        been published long enough.
      </p>
      {notice && <Notice>{notice}</Notice>}
      <ProblemBanner problem={keys.problem} />
      {keys.loading && !keys.value && <Loading what="signing keys" />}
      {keys.value && (
        <div class="table-wrap" tabIndex={0} role="group" aria-label="Signing keys table, scrolls sideways">
          <table>
            <thead>
              <tr>
                <th scope="col">Status</th>
                <th scope="col">Key ID (kid)</th>
                <th scope="col">Algorithm</th>
                <th scope="col">Created</th>
                <th scope="col">Signing since</th>
                <th scope="col">Retired</th>
                <th scope="col">Leaves the JWKS</th>
              </tr>
            </thead>
            <tbody>
              {sorted.map((key) => (
                <tr key={key.kid}>
                  <td>
                    <span class={`badge badge-key-${key.status}`}>{key.status}</span>
                  </td>
                  <td>
                    <code class="wrap">{key.kid}</code>
                  </td>
                  <td>{key.alg}</td>
                  <td>
                    <Time value={key.created_at} />
                  </td>
                  <td>
                    <Time value={key.activated_at} />
                  </td>
                  <td>
                    <Time value={key.retired_at} />
                  </td>
                  <td>
                    <Time value={key.expires_at} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {confirming && (
        <ConfirmDialog
          title="Rotate the signing keys now?"
          confirmLabel="Rotate now"
          action={action}
          onClose={() => setConfirming(false)}
          onConfirm={async () => {
            const active = await session.api.rotateKeys();
            await keys.reload();
            setNotice(
              `Key ${active.kid} signs from now on; the previous key is retired and still verifies the tokens it signed.`,
            );
          }}
        >
          <p>
            The next key starts signing, the active key retires, and a new next key is published. Tokens already issued
            stay valid.
          </p>
        </ConfirmDialog>
      )}
    </Page>
  );
}
