import { useState } from 'preact/hooks';
import { useAction, useLoad } from '../components/async';
import { ConfirmDialog } from '../components/dialog';
import { Loading, Notice, ProblemBanner } from '../components/feedback';
import { Time } from '../components/format';
import { Page } from '../components/page';
import { useSession } from '../session';

/** The platform-wide API switch. */
export function SettingsPage() {
  const { session } = useSession();
  const settings = useLoad(() => session.api.getSettings(), []);
  const action = useAction();
  const [confirming, setConfirming] = useState(false);
  const [notice, setNotice] = useState('');
  const askToConfirm = () => {
    setNotice('');
    setConfirming(true);
  };
  const enabled = settings.value?.api_enabled;
  return (
    <Page title="Settings">
      {notice && <Notice>{notice}</Notice>}
      <ProblemBanner problem={settings.problem} />
      {settings.loading && !settings.value && <Loading what="settings" />}
      {settings.value && (
        <section class="section" aria-labelledby="api-switch-title">
          <h2 id="api-switch-title">API access</h2>
          <p class="switch-state">
            The API is <strong>{enabled ? 'on' : 'off'}</strong> for the whole platform
            <span class="muted">
              {' '}
              (changed <Time value={settings.value.updated_at} />)
            </span>
            .
          </p>
          <p class="hint">
            While it is off, the token endpoint refuses every client except platform admin clients (
            <code>unauthorized_client</code>), and their tokens introspect as inactive. Platform administrators are
            never locked out.
          </p>
          <button type="button" class={`button ${enabled ? 'button-danger' : 'button-primary'}`} onClick={askToConfirm}>
            {enabled ? 'Switch the API off…' : 'Switch the API on…'}
          </button>
        </section>
      )}
      {confirming && settings.value && (
        <ConfirmDialog
          title={enabled ? 'Switch the API off for the whole platform?' : 'Switch the API on for the whole platform?'}
          confirmLabel={enabled ? 'Switch the API off' : 'Switch the API on'}
          danger={enabled}
          action={action}
          onClose={() => setConfirming(false)}
          onConfirm={async () => {
            const updated = await session.api.updateSettings({ api_enabled: !enabled });
            await settings.reload();
            setNotice(`The API is now ${updated.api_enabled ? 'on' : 'off'} for the whole platform.`);
          }}
        >
          {enabled ? (
            <p>
              Every client except platform admin clients stops getting tokens at once, and every token they hold
              introspects as inactive until the API is switched on again.
            </p>
          ) : (
            <p>
              Clients can get tokens again (unless their organization's switch is off), and their unexpired tokens
              become valid again.
            </p>
          )}
        </ConfirmDialog>
      )}
    </Page>
  );
}
