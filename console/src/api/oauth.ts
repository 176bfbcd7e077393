import { ApiProblem, NETWORK_PROBLEM } from './problem';

/** The claims of our access tokens the console uses (README: "Token response"). */
interface AccessClaims {
  client_id: string;
  jti: string;
  scope: string;
  role: string;
  exp: number;
  org_id?: string;
}

export interface IssuedToken {
  readonly accessToken: string;
  readonly claims: AccessClaims;
  /** Local clock, from expires_in: a browser clock that is off does not end the session early or late. */
  readonly expiresAt: number;
}

/** HTTP Basic as RFC 6749 §2.3.1 has it: each part form-urlencoded first. */
function basic(clientId: string, clientSecret: string): string {
  const encode = (text: string) => encodeURIComponent(text).replace(/%20/g, '+');
  const bytes = new TextEncoder().encode(`${encode(clientId)}:${encode(clientSecret)}`);
  return `Basic ${btoa(String.fromCharCode(...bytes))}`;
}

async function postForm(
  path: string,
  clientId: string,
  clientSecret: string,
  form: Record<string, string>,
): Promise<Response> {
  try {
    return await fetch(path, {
      method: 'POST',
      // Without credentials a 401 (`WWW-Authenticate: Basic`) cannot open the browser's own login prompt.
      credentials: 'omit',
      headers: {
        Authorization: basic(clientId, clientSecret),
        'Content-Type': 'application/x-www-form-urlencoded',
        Accept: 'application/json',
      },
      body: new URLSearchParams(form),
    });
  } catch {
    throw NETWORK_PROBLEM;
  }
}

/** An OAuth error (RFC 6749 §5.2) as a problem, so the sign-in page shows it like any other. */
async function oauthProblem(response: Response): Promise<ApiProblem> {
  const body = (await response.json().catch(() => ({}))) as { error?: string; error_description?: string };
  const titles: Record<string, string> = {
    invalid_client: 'Unknown client or wrong secret',
    unauthorized_client: 'This client may not sign in',
    slow_down: 'Too many attempts',
    temporarily_unavailable: 'Tollgate is temporarily unavailable',
  };
  return new ApiProblem(
    response.status,
    titles[body.error ?? ''] ?? body.error ?? `HTTP ${response.status}`,
    body.error_description ?? '',
  );
}

/** The payload of one of our JWTs, read without verification: only to know who signed in, never to trust. */
function readClaims(token: string): AccessClaims {
  const payload = token.split('.')[1] ?? '';
  const base64 = payload.replace(/-/g, '+').replace(/_/g, '/');
  const bytes = Uint8Array.from(atob(base64.padEnd(Math.ceil(base64.length / 4) * 4, '=')), (character) =>
    character.charCodeAt(0),
  );
  return JSON.parse(new TextDecoder().decode(bytes)) as AccessClaims;
}

/** POST /token with grant_type=client_credentials (client_secret_basic). */
export async function requestToken(clientId: string, clientSecret: string): Promise<IssuedToken> {
  const requestedAt = Date.now();
  const response = await postForm('/token', clientId, clientSecret, { grant_type: 'client_credentials' });
  if (!response.ok) throw await oauthProblem(response);
  const body = (await response.json()) as { access_token: string; expires_in: number };
  return {
    accessToken: body.access_token,
    claims: readClaims(body.access_token),
    expiresAt: requestedAt + body.expires_in * 1000,
  };
}

/** POST /token/revocation (RFC 7009): a client revokes its own token. */
export async function revokeToken(clientId: string, clientSecret: string, token: string): Promise<void> {
  const response = await postForm('/token/revocation', clientId, clientSecret, { token });
  if (!response.ok) throw await oauthProblem(response);
}

export interface ServerMetadata {
  issuer: string;
  token_endpoint: string;
}

/** The discovery document (public): where clients get tokens, for the .env file handed over with a secret. */
export async function serverMetadata(): Promise<ServerMetadata> {
  try {
    const response = await fetch('/.well-known/oauth-authorization-server', {
      credentials: 'omit',
      headers: { Accept: 'application/json' },
    });
    if (response.ok) return (await response.json()) as ServerMetadata;
  } catch {
    // The page's own origin is the best guess left.
  }
  return { issuer: location.origin, token_endpoint: `${location.origin}/token` };
}
