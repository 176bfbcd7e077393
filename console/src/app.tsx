import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import { LocationProvider, Route, Router, useLocation } from 'preact-iso';
import { useLoad } from './components/async';
import { Loading, ProblemBanner } from './components/feedback';
import { formatTime } from './components/format';
import { DirectoryContext, directoryOf, loadDirectory } from './directory';
import { AuditPage } from './pages/audit';
import { ClientPage } from './pages/client';
import { ClientsPage } from './pages/clients';
import { KeysPage } from './pages/keys';
import { NewClientPage } from './pages/new-client';
import { NotFoundPage } from './pages/not-found';
import { OrganizationsPage } from './pages/organizations';
import { RolesPage } from './pages/roles';
import { SettingsPage } from './pages/settings';
import { SignInPage } from './pages/sign-in';
import { revokeOwnSession, type Session, SessionContext, type SessionEnd } from './session';

const BASE = '/console';

/** How often an idle console asks whether its token still works, so a revocation elsewhere signs it out. */
const HEARTBEAT_MS = 60_000;

interface NavItem {
  readonly href: string;
  readonly label: string;
  readonly platformOnly?: boolean;
}

const NAVIGATION: readonly NavItem[] = [
  { href: `${BASE}/clients`, label: 'Clients' },
  { href: `${BASE}/organizations`, label: 'Organizations' },
  { href: `${BASE}/roles`, label: 'Roles' },
  { href: `${BASE}/keys`, label: 'Signing keys', platformOnly: true },
  { href: `${BASE}/audit`, label: 'Audit log' },
  { href: `${BASE}/settings`, label: 'Settings', platformOnly: true },
];

/**
 * Ends the session by itself when the token expires, when the API stops accepting it (checked now and
 * then and whenever the page comes back into view), and revokes it when the page goes away: a token
 * nobody can use any more should not stay live for a day.
 */
function useSessionLifecycle(session: Session, end: (why: SessionEnd) => void): void {
  useEffect(() => {
    const expiry = setTimeout(() => end('expired'), Math.max(0, session.admin.expiresAt - Date.now()));
    const check = () => {
      if (Date.now() >= session.admin.expiresAt) end('expired');
      else if (document.visibilityState === 'visible') session.api.listRoles().catch(() => undefined);
    };
    const heartbeat = setInterval(check, HEARTBEAT_MS);
    const leave = () => void revokeOwnSession(session, true).catch(() => undefined);
    document.addEventListener('visibilitychange', check);
    window.addEventListener('pagehide', leave);
    return () => {
      clearTimeout(expiry);
      clearInterval(heartbeat);
      document.removeEventListener('visibilitychange', check);
      window.removeEventListener('pagehide', leave);
    };
  }, [session, end]);
}

function Navigation({ platform }: { platform: boolean }) {
  const { path } = useLocation();
  return (
    <nav class="navigation" aria-label="Console">
      <ul>
        {NAVIGATION.filter((item) => platform || !item.platformOnly).map((item) => (
          <li key={item.href}>
            <a
              href={item.href}
              aria-current={path === item.href || path.startsWith(`${item.href}/`) ? 'page' : undefined}
            >
              {item.label}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}

function Shell({ session, signOut }: { session: Session; signOut: () => Promise<void> }) {
  const { admin } = session;
  const loaded = useLoad(() => loadDirectory(session), [session]);
  const directory = useMemo(
    () => loaded.value && directoryOf(loaded.value, loaded.reload),
    [loaded.value, loaded.reload],
  );
  const [signingOut, setSigningOut] = useState(false);
  const who =
    admin.kind === 'platform'
      ? 'Platform administrator'
      : `Administrator of ${directory?.organizationName(admin.organizationId) ?? admin.organizationId}`;
  return (
    <SessionContext.Provider value={{ session, signOut }}>
      <div class="shell">
        <a class="skip-link" href="#main">
          Skip to content
        </a>
        <header class="topbar">
          <span class="brand">Tollgate console</span>
          <span class="who">
            {who} · <code>{admin.clientId}</code> · session ends {formatTime(admin.expiresAt)}
          </span>
          <button
            type="button"
            class="button"
            disabled={signingOut}
            onClick={() => {
              setSigningOut(true);
              void signOut();
            }}
          >
            {signingOut ? 'Signing out…' : 'Sign out'}
          </button>
        </header>
        <Navigation platform={admin.kind === 'platform'} />
        <main id="main" class="main" tabIndex={-1}>
          {!directory ? (
            loaded.problem ? (
              <ProblemBanner problem={loaded.problem} />
            ) : (
              <Loading what="the console" />
            )
          ) : (
            <DirectoryContext.Provider value={directory}>
              <Router>
                <Route path={`${BASE}/clients`} component={ClientsPage} />
                <Route path={`${BASE}/clients/new`} component={NewClientPage} />
                <Route path={`${BASE}/clients/:clientId`} component={ClientPage} />
                <Route path={`${BASE}/organizations`} component={OrganizationsPage} />
                <Route path={`${BASE}/roles`} component={RolesPage} />
                <Route path={`${BASE}/audit`} component={AuditPage} />
                {...(admin.kind === 'platform'
                  ? [
                      <Route path={`${BASE}/keys`} component={KeysPage} />,
                      <Route path={`${BASE}/settings`} component={SettingsPage} />,
                    ]
                  : [])}
                <Route path={BASE} component={Home} />
                <Route path={`${BASE}/`} component={Home} />
                <Route default component={NotFoundPage} />
              </Router>
            </DirectoryContext.Provider>
          )}
        </main>
      </div>
    </SessionContext.Provider>
  );
}

function Home() {
  const { route } = useLocation();
  useEffect(() => route(`${BASE}/clients`, true), [route]);
  return null;
}

export function App() {
  const [session, setSession] = useState<Session | null>(null);
  const [ended, setEnded] = useState<SessionEnd | null>(null);
  const end = useCallback((why: SessionEnd) => {
    setSession(null);
    setEnded(why);
  }, []);
  const signOut = useCallback(async () => {
    if (session) await revokeOwnSession(session).catch(() => undefined);
    end('signed-out');
  }, [session, end]);
  return (
    <LocationProvider scope={BASE}>
      {session ? (
        <SignedIn session={session} end={end} signOut={signOut} />
      ) : (
        <SignInPage
          ended={ended}
          onEnd={end}
          onSignedIn={(started) => {
            setEnded(null);
            setSession(started);
          }}
        />
      )}
    </LocationProvider>
  );
}

function SignedIn({
  session,
  end,
  signOut,
}: {
  session: Session;
  end: (why: SessionEnd) => void;
  signOut: () => Promise<void>;
}) {
  useSessionLifecycle(session, end);
  return <Shell session={session} signOut={signOut} />;
}
