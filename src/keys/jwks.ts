/**
 * How long resource servers may cache the JWKS (its Cache-Control max-age). A `next` key is published
 * at least this long before it signs, so a verifier holding a cached JWKS always knows the signing key.
 */
export const JWKS_MAX_AGE_SECONDS = 300;
