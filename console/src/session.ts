import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import { AdminApi } from './api/admin';
import { type IssuedToken, requestToken, revokeToken } from './api/oauth';
import { ApiProblem } from './api/problem';

/** Who is signed in, from the token's claims; the API enforces the same, the console only hides what it would refuse. */
interface Administrator {
  readonly clientId: string;
  /** Platform administrators see everything; organization administrators only their organization. */
  readonly kind: 'platform' | 'organization';
  readonly organizationId: string | null;
  readonly role: string;
  /** This sign-in's token, so the console can tell its own session apart and revoke it on sign-out. */
  readonly jti: string;
  readonly expiresAt: number;
}

export interface Session {
  readonly admin: Administrator;
  readonly api: AdminApi;
}

/** Why a session ended, for the sign-in page to say. */
export type SessionEnd = 'signed-out' | 'expired' | 'revoked';

function administratorOf(token: IssuedToken): Administrator | null {
  const { claims } = token;
  const scopes = new Set(claims.scope.split(' '));
  const common = { clientId: claims.client_id, role: claims.role, jti: claims.jti, expiresAt: token.expiresAt };
  if (scopes.has('admin') && !claims.org_id) return { ...common, kind: 'platform', organizationId: null };
  if (scopes.has('org-admin') && claims.org_id)
    return { ...common, kind: 'organization', organizationId: claims.org_id };
  return null;
}

/**
 * Signs in with an administrator client's credentials: the token endpoint's client-credentials grant.
 * The secret is used for this one request and not kept. Another way of signing in (single sign-on for
 * people) would only need to produce the same Session from its own token.
 */
export async function signInWithClientCredentials(
  clientId: string,
  clientSecret: string,
  onEnd: (why: SessionEnd) => void,
): Promise<Session> {
  const token = await requestToken(clientId, clientSecret);
  const admin = administratorOf(token);
  if (!admin) {
    // Still holding the secret: give the token back at once rather than leave it live for a day.
    await revokeToken(clientId, clientSecret, token.accessToken).catch(() => undefined);
    throw new ApiProblem(
      403,
      'Not an administrator',
      `The client ${clientId} has the role "${token.claims.role}". Sign in with an admin or org-admin client.`,
    );
  }
  return { admin, api: new AdminApi(token.accessToken, () => onEnd('revoked')) };
}

/**
 * Revokes the console's own token through the admin API (the session of its own client), so the
 * secret need not be kept in the page for RFC 7009 revocation. `keepalive` lets it outlive a closing tab.
 */
export async function revokeOwnSession(session: Session, keepalive = false): Promise<void> {
  await session.api.revokeSession(session.admin.clientId, session.admin.jti, keepalive);
}

export const SessionContext = createContext<{ session: Session; signOut: () => Promise<void> } | null>(null);

export function useSession(): { session: Session; signOut: () => Promise<void> } {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession outside a signed-in console');
  return value;
}
