import { errors, type JWTPayload, type JWTVerifyGetKey, jwtVerify } from 'jose';
import { CLOCK_SKEW_SECONDS } from '../config/config.js';
import type { ReplayCache } from '../limits/replay-cache.js';
import { KeySourceError } from './key-source.js';
import type { AuthDetails, Refusal } from './types.js';

/**
 * Asymmetric algorithms only: `none` and every HMAC algorithm (a public key used as a shared secret) are
 * refused. `Ed25519` is EdDSA's fully-specified name (RFC 9864), which openid-client signs with.
 */
export const ASSERTION_ALGORITHMS = ['RS256', 'PS256', 'ES256', 'EdDSA', 'Ed25519'];

export interface AssertionRules {
  readonly issuer: string;
  readonly audience: string | readonly string[];
  readonly subject?: string;
  /** How far ahead `exp` may be, in ms (clock skew added). */
  readonly maxLifetimeMs: number;
}

export type VerifiedAssertion = { readonly claims: JWTPayload; readonly kid: string | null };

function refusal(refused: string, details: AuthDetails | null): Refusal {
  return { refused, details };
}

/** jose's verdicts as refusal reasons for the audit trail. */
function refusalOf(error: unknown, kid: string | null): Refusal {
  const details = kid === null ? null : { kid };
  if (error instanceof KeySourceError) return refusal('jwks_unavailable', { ...details, fetch: error.failure });
  if (error instanceof errors.JWTExpired) return refusal('assertion_expired', details);
  if (error instanceof errors.JWTClaimValidationFailed) {
    const reasons: Record<string, string> = {
      aud: 'wrong_audience',
      iss: 'wrong_issuer',
      sub: 'wrong_subject',
      nbf: 'assertion_not_yet_valid',
      iat: 'assertion_issued_in_future',
      exp: 'assertion_expired',
      jti: 'jti_missing',
    };
    return refusal(reasons[error.claim] ?? `invalid_${error.claim}`, details);
  }
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported)
    return refusal('alg_not_allowed', details);
  if (error instanceof errors.JWKSNoMatchingKey) return refusal('unknown_kid', details);
  if (error instanceof errors.JWKSMultipleMatchingKeys) return refusal('ambiguous_kid', details);
  if (error instanceof errors.JWSSignatureVerificationFailed) return refusal('invalid_signature', details);
  if (error instanceof errors.JOSEError || error instanceof TypeError) return refusal('malformed_assertion', details);
  throw error;
}

function kidOf(token: string): string | null {
  try {
    const header = JSON.parse(Buffer.from(token.slice(0, token.indexOf('.')), 'base64url').toString('utf8'));
    return typeof header?.kid === 'string' ? header.kid.slice(0, 200) : null;
  } catch {
    return null;
  }
}

/**
 * Verifies a JWT that authenticates a client, with jose and explicit rules: the algorithm allowlist,
 * issuer, audience, subject, `exp` required and at most `maxLifetimeMs` ahead, `nbf`/`iat` with the
 * server's clock skew. Answers the verified claims, or the refusal reason and the key id used.
 */
export async function verifyAssertion(
  token: string,
  keys: JWTVerifyGetKey,
  rules: AssertionRules,
): Promise<VerifiedAssertion | Refusal> {
  const kid = kidOf(token);
  let claims: JWTPayload;
  try {
    ({ payload: claims } = await jwtVerify(token, keys, {
      algorithms: ASSERTION_ALGORITHMS,
      issuer: rules.issuer,
      audience: rules.audience as string | string[],
      ...(rules.subject === undefined ? {} : { subject: rules.subject }),
      clockTolerance: CLOCK_SKEW_SECONDS,
      requiredClaims: ['exp'],
    }));
  } catch (error) {
    return refusalOf(error, kid);
  }
  const now = Date.now() / 1000;
  const details = kid === null ? null : { kid };
  if (claims.exp! > now + (rules.maxLifetimeMs / 1000 + CLOCK_SKEW_SECONDS))
    return refusal('assertion_lifetime_too_long', details);
  if (claims.iat !== undefined && claims.iat > now + CLOCK_SKEW_SECONDS)
    return refusal('assertion_issued_in_future', details);
  return { claims, kid };
}

/** Until when a verified token's id must be remembered: until jose would refuse the token as expired. */
function acceptedUntilMs(claims: JWTPayload): number {
  return (claims.exp! + CLOCK_SKEW_SECONDS) * 1000;
}

/** Records a verified token's single-use id; false when it was used before. */
export function firstUse(replays: ReplayCache, partition: string, id: string, claims: JWTPayload): Promise<boolean> {
  return replays.firstUse(partition, id, acceptedUntilMs(claims));
}

export function isVerified(outcome: VerifiedAssertion | Refusal): outcome is VerifiedAssertion {
  return 'claims' in outcome;
}
