import {
  type CryptoKey,
  calculateJwkThumbprint,
  decodeProtectedHeader,
  EmbeddedJWK,
  type JWTPayload,
  jwtVerify,
} from 'jose';
import { LRUCache } from 'lru-cache';
import { CLOCK_SKEW_SECONDS } from '../config/constants.js';
import type { ReplayCache } from '../limits/replay-cache.js';
import type { DpopNonces } from './dpop-nonce.js';
import { InvalidDpopProofError, UseDpopNonceError } from './errors.js';

/** Asymmetric algorithms only: never `none`, never an HMAC (RFC 9449 §4.3 check 5). */
export const DPOP_SIGNING_ALGORITHMS = ['ES256', 'EdDSA', 'RS256', 'PS256'];

const PROOF_TYPE = 'dpop+jwt';
/** Members only a private or a symmetric JWK has. */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];
/** A proof carries one public key and a few claims; an RSA-4096 one is about 1.5 KB. */
const MAX_PROOF_LENGTH = 8_192;
/** The signature may be empty, so that `alg: none` is refused for what it is. */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
const MAX_JTI_LENGTH = 256;
/**
 * Proof keys imported lately. A client proves with the same key request after request, and importing a
 * JWK and computing its thumbprint (WebCrypto, through jose) cost more CPU than verifying the signature:
 * in one micro-run, an ES256 proof cost 410 µs of CPU to verify through jose's EmbeddedJWK and 50 µs more
 * for the thumbprint, against 170 µs in all with both cached.
 * An entry is at most a few KB (an RSA-4096 JWK), so this bounds the cache to tens of MB.
 */
const CACHED_PROOF_KEYS = 10_000;

export interface DpopProofOptions {
  /** The URLs a proof's `htu` may name: the token endpoint as derived from ISSUER (and its mTLS alias). */
  readonly endpointUrls: readonly string[];
  /** How old a proof's `iat` may be, besides the clock skew. */
  readonly maxAgeSeconds: number;
  /** Set when DPOP_NONCE_REQUIRED is on. */
  readonly nonces: DpopNonces | null;
  /** Proof jtis, shared by every instance (Redis), or in this process in single-node mode. */
  readonly replays: Pick<ReplayCache, 'firstUse'>;
}

/** A proof that passed every check: the thumbprint of its key, for the token's `cnf.jkt`. */
export interface DpopProof {
  readonly jkt: string;
}

/** A proof key as jose verifies with it, and its RFC 7638 thumbprint. */
interface ProofKey {
  readonly key: CryptoKey;
  readonly jkt: string;
}

function refuse(reason: string, description: string): never {
  throw new InvalidDpopProofError(reason, description);
}

/** Scheme and host compared without case, default ports dropped, query and fragment ignored (RFC 9449 §4.3). */
function normalizeHtu(value: string): string | null {
  const url = URL.parse(value);
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) return null;
  url.search = '';
  url.hash = '';
  return url.href;
}

type ProofHeader = ReturnType<typeof decodeProtectedHeader>;

/** The header checks that need no cryptography, each with its own reason for the audit trail. */
function checkHeader(proof: string): ProofHeader {
  if (proof.length > MAX_PROOF_LENGTH || !COMPACT_JWS.test(proof))
    refuse('dpop_proof_malformed', 'the DPoP header must hold one compact JWS');
  let header: ProofHeader;
  try {
    header = decodeProtectedHeader(proof);
  } catch {
    refuse('dpop_proof_malformed', 'the DPoP proof header is not JSON');
  }
  if (typeof header.typ !== 'string' || header.typ.toLowerCase() !== PROOF_TYPE)
    refuse('dpop_proof_type', `the DPoP proof's typ must be ${PROOF_TYPE}`);
  if (typeof header.alg !== 'string' || !DPOP_SIGNING_ALGORITHMS.includes(header.alg))
    refuse('dpop_proof_algorithm', `the DPoP proof's alg must be one of ${DPOP_SIGNING_ALGORITHMS.join(', ')}`);
  const { jwk } = header;
  if (!jwk || typeof jwk !== 'object' || Array.isArray(jwk))
    refuse('dpop_proof_key', "the DPoP proof's header must carry the public key as jwk");
  if (PRIVATE_MEMBERS.some((member) => member in jwk))
    refuse('dpop_proof_private_key', "the DPoP proof's jwk must be a public key: never send the private key");
  return header;
}

/**
 * Verifies DPoP proofs at the token endpoint (RFC 9449 §4.3): header, signature under the proof's own
 * public key (jose, with the algorithm list fixed), `htm`, `htu`, `iat` within the window, the server
 * nonce when required, and `jti` used once. Every check that costs no round trip runs before the replay
 * cache is asked, so a bad proof never reaches it.
 */
export class DpopProofVerifier {
  private readonly endpointUrls: ReadonlySet<string>;
  private readonly expectedUrl: string;
  /**
   * By algorithm and the JWK exactly as sent: the same RSA key imports differently for RS256 and PS256,
   * and a JWK that differs in any member (key_ops, use, ...) is imported, and judged, on its own.
   */
  private readonly proofKeys = new LRUCache<string, ProofKey>({ max: CACHED_PROOF_KEYS });

  constructor(private readonly options: DpopProofOptions) {
    this.endpointUrls = new Set(options.endpointUrls.map((url) => normalizeHtu(url)!));
    this.expectedUrl = [...this.endpointUrls][0]!;
  }

  /**
   * The proof in the request's `DPoP` header, sent with `method` by `clientId` (whose partition of the
   * replay cache remembers its jti); absent is refused (the caller decides when).
   */
  async verify(dpopHeader: string | string[] | undefined, method: string, clientId: string): Promise<DpopProof> {
    if (dpopHeader === undefined)
      refuse('dpop_proof_required', 'this client must send a DPoP proof: its tokens are DPoP-bound');
    if (typeof dpopHeader !== 'string') refuse('dpop_proof_malformed', 'send one DPoP header, not several');
    const header = checkHeader(dpopHeader);
    const { payload, jkt } = await this.verifySignature(dpopHeader, header);
    const { jti, htm, htu, iat } = payload;
    if (typeof jti !== 'string' || jti.length === 0 || jti.length > MAX_JTI_LENGTH)
      refuse('dpop_proof_claims', `the DPoP proof's jti must be a string of 1-${MAX_JTI_LENGTH} characters`);
    if (htm !== method) refuse('dpop_proof_htm', `the DPoP proof's htm must be ${method}`);
    const presentedUrl = typeof htu === 'string' ? normalizeHtu(htu) : null;
    if (presentedUrl === null || !this.endpointUrls.has(presentedUrl))
      refuse('dpop_proof_htu', `the DPoP proof's htu must be ${this.expectedUrl}`);
    const now = Math.floor(Date.now() / 1000);
    if (typeof iat !== 'number' || !Number.isFinite(iat))
      refuse('dpop_proof_claims', "the DPoP proof's iat must be a number");
    if (iat < now - this.options.maxAgeSeconds - CLOCK_SKEW_SECONDS || iat > now + CLOCK_SKEW_SECONDS)
      refuse('dpop_proof_iat', "the DPoP proof's iat is too old or in the future: make a new proof for each request");
    const { nonces } = this.options;
    if (nonces && !nonces.accepts(payload.nonce)) throw new UseDpopNonceError(nonces.current());
    const expiresAtMs = (Math.floor(iat) + this.options.maxAgeSeconds + 2 * CLOCK_SKEW_SECONDS) * 1000;
    if (!(await this.options.replays.firstUse(clientId, `dpop:${jkt}:${jti}`, expiresAtMs)))
      refuse('dpop_proof_replayed', 'this DPoP proof was used before: make a new proof for each request');
    return { jkt };
  }

  /** The public key in the header, imported once by jose's EmbeddedJWK with its checks (public, use, alg). */
  private async proofKey(header: ProofHeader): Promise<ProofKey> {
    const id = `${header.alg} ${JSON.stringify(header.jwk)}`;
    const cached = this.proofKeys.get(id);
    if (cached) return cached;
    const proofKey = { key: await EmbeddedJWK(header), jkt: await calculateJwkThumbprint(header.jwk!, 'sha256') };
    this.proofKeys.set(id, proofKey);
    return proofKey;
  }

  private async verifySignature(proof: string, header: ProofHeader): Promise<{ payload: JWTPayload; jkt: string }> {
    try {
      const { key, jkt } = await this.proofKey(header);
      const { payload } = await jwtVerify(proof, key, {
        typ: PROOF_TYPE,
        algorithms: DPOP_SIGNING_ALGORITHMS,
        clockTolerance: CLOCK_SKEW_SECONDS,
      });
      return { payload, jkt };
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (code === 'ERR_JWT_EXPIRED' || code === 'ERR_JWT_CLAIM_VALIDATION_FAILED' || code === 'ERR_JWT_INVALID')
        refuse('dpop_proof_claims', "the DPoP proof's claims are not valid (exp, nbf, or not a JSON object)");
      refuse('dpop_proof_signature', "the DPoP proof's signature does not verify under its jwk");
    }
  }
}
