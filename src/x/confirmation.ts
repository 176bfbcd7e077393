/**
 * The confirmation claim (RFC 7800 `cnf`) of a sender-constrained token: the key its holder must prove
 * possession of. One value, computed where the proof was seen, carried in the session, the JWT and the
 * introspection answer.
 */
export interface Confirmation {
  /** RFC 9449 §6.1: the RFC 7638 SHA-256 thumbprint of the DPoP proof key. */
  readonly jkt?: string;
  /** RFC 8705 §3.1: the SHA-256 thumbprint of the client certificate (DER), base64url. */
  readonly 'x5t#S256'?: string;
}

/** `DPoP` for a DPoP-bound token (RFC 9449 §5); a certificate-bound token is still a `Bearer` one (RFC 8705 §3). */
export function tokenTypeOf(cnf: Confirmation | undefined): 'DPoP' | 'Bearer' {
  return cnf?.jkt === undefined ? 'Bearer' : 'DPoP';
}

const THUMBPRINT = /^[A-Za-z0-9_-]{43}$/;

/** Whether a decoded claim is a confirmation this server could have written. */
export function isConfirmation(value: unknown): value is Confirmation {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const entries = Object.entries(value);
  return (
    entries.length > 0 &&
    entries.every(
      ([name, member]) =>
        (name === 'jkt' || name === 'x5t#S256') && typeof member === 'string' && THUMBPRINT.test(member),
    )
  );
}
