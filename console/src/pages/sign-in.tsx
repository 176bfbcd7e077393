import { useEffect, useState } from 'preact/hooks';
import { useAction } from '../components/async';
import { Notice, ProblemBanner } from '../components/feedback';
import { TextField } from '../components/fields';
import { type Session, type SessionEnd, signInWithClientCredentials } from '../session';

const ENDINGS: Record<SessionEnd, string> = {
  'signed-out': 'You are signed out; the console token was revoked.',
  expired: 'Your session expired. Sign in again to continue.',
  revoked: 'Your session ended: its token was revoked or is no longer accepted. Sign in again to continue.',
};

interface SignInProps {
  readonly ended: SessionEnd | null;
  readonly onSignedIn: (session: Session) => void;
  readonly onEnd: (why: SessionEnd) => void;
}

export function SignInPage({ ended, onSignedIn, onEnd }: SignInProps) {
  const [clientId, setClientId] = useState('');
  const [clientSecret, setClientSecret] = useState('');
  const action = useAction();
  useEffect(() => {
    document.title = 'Sign in · Tollgate console';
  }, []);
  const submit = (event: Event) => {
    event.preventDefault();
    void action.run(async () => {
      const session = await signInWithClientCredentials(clientId.trim(), clientSecret, onEnd);
      setClientSecret('');
      onSignedIn(session);
    });
  };
  return (
    <main id="main" class="sign-in">
      <h1>Tollgate console</h1>
      <p>
        Sign in with the credentials of an administrator client: role <code>admin</code> for the whole platform, or{' '}
        <code>org-admin</code> for one organization.
      </p>
      {ended && <Notice tone="info">{ENDINGS[ended]}</Notice>}
      <ProblemBanner problem={action.problem} />
      <form onSubmit={submit} class="form" aria-describedby="sign-in-advice">
        <TextField
          label="Client ID"
          name="client_id"
          value={clientId}
          onValue={setClientId}
          required
          autoComplete="username"
          spellcheck={false}
          class="mono"
        />
        <TextField
          label="Client secret"
          name="client_secret"
          type="password"
          value={clientSecret}
          onValue={setClientSecret}
          required
          autoComplete="current-password"
          class="mono"
        />
        <button type="submit" class="button button-primary" disabled={action.busy} aria-busy={action.busy}>
          {action.busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      <aside id="sign-in-advice" class="advice">
        <h2>Recommended: one console client per administrator</h2>
        <p>
          Create a dedicated <code>admin</code> or <code>org-admin</code> client for each person who uses this console,
          and do not share it with scripts. Every action is then audited under that person's own client, and one
          person's access can be rotated or revoked without touching anyone else's.
        </p>
        <p>
          The console keeps its token in this page's memory only, never in storage or a cookie: signing out, closing or
          reloading the page revokes it. The console talks only to the documented admin API (
          <a href="/docs">reference</a>), so anything done here can also be scripted.
        </p>
      </aside>
    </main>
  );
}
