import { createLocalJWKSet, errors, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import { FetchRefusedError, type SafeFetcher } from './safe-fetch.js';

/** Bounds on how long a fetched document is trusted, whatever its Cache-Control says. */
const MIN_MAX_AGE_SECONDS = 60;
const MAX_MAX_AGE_SECONDS = 86_400;
/** Without Cache-Control max-age. */
const DEFAULT_MAX_AGE_SECONDS = 600;
/** Past its max-age, a document still serves this long while its host does not answer. */
const STALE_IF_ERROR_MS = 3_600_000;
/** An unknown kid refetches a client's key set at most once per this interval. */
const REFETCH_INTERVAL_MS = 60_000;
/** Bounds memory whatever URLs are registered; the oldest entry goes first. */
const MAX_ENTRIES = 10_000;

/** Keys could not be had: the fetch was refused or failed, or the answer is not what it must be. */
export class KeySourceError extends Error {
  constructor(
    readonly failure: string,
    message: string,
  ) {
    super(message);
    this.name = 'KeySourceError';
  }
}

interface Cached<T> {
  readonly value: T;
  readonly fetchedAt: number;
  readonly expiresAt: number;
}

function lifetimeMs(maxAgeSeconds: number | null): number {
  const seconds = maxAgeSeconds ?? DEFAULT_MAX_AGE_SECONDS;
  return Math.min(MAX_MAX_AGE_SECONDS, Math.max(MIN_MAX_AGE_SECONDS, seconds)) * 1000;
}

function isKeySet(body: unknown): body is JSONWebKeySet {
  return (
    typeof body === 'object' &&
    body !== null &&
    Array.isArray((body as { keys?: unknown }).keys) &&
    (body as { keys: unknown[] }).keys.every((key) => typeof key === 'object' && key !== null)
  );
}

/** A key registered as `EdDSA` also verifies `Ed25519` assertions: the same key, the newer name. */
function localKeySet(jwks: JSONWebKeySet): JWTVerifyGetKey {
  const keys = createLocalJWKSet(jwks);
  return async (header, token) => {
    if (header.alg !== 'Ed25519') return keys(header, token);
    try {
      return await keys(header, token);
    } catch (error) {
      if (!(error instanceof errors.JWKSNoMatchingKey)) throw error;
      return keys({ ...header, alg: 'EdDSA' }, token);
    }
  };
}

/** A map bounded to MAX_ENTRIES, the oldest insertion going first. */
function remember<K, V>(map: Map<K, V>, key: K, value: V): void {
  map.delete(key);
  if (map.size >= MAX_ENTRIES) map.delete(map.keys().next().value!);
  map.set(key, value);
}

/**
 * Other parties' public keys, in one place: a client's inline `jwks`, a client's `jwks_uri`, a federated
 * issuer's keys found through its discovery document. Remote documents come through the SafeFetcher,
 * are cached per URL for their Cache-Control max-age within [60 s, 24 h] (10 min without one), one fetch
 * per URL at a time, and keep serving for an hour past that while their host does not answer. A kid
 * that is not in the cached set refetches it, at most once per minute per (client, URL), so a client
 * that rotated its key is served at once and a stream of made-up kids costs one fetch a minute.
 */
export class KeySource {
  private readonly inlineSets = new WeakMap<object, JWTVerifyGetKey>();
  private readonly keySets = new Map<string, Cached<JWTVerifyGetKey>>();
  private readonly discovered = new Map<string, Cached<string>>();
  private readonly inFlight = new Map<string, Promise<unknown>>();
  private readonly refetchedAt = new Map<string, number>();

  constructor(private readonly fetcher: SafeFetcher) {}

  /** Keys registered inline; built once per registered set (a cached client record keeps its object). */
  inline(jwks: JSONWebKeySet): JWTVerifyGetKey {
    let keys = this.inlineSets.get(jwks);
    if (!keys) {
      keys = localKeySet(jwks);
      this.inlineSets.set(jwks, keys);
    }
    return keys;
  }

  /** Keys at a URL; `partition` (the client) is whose unknown kids may refetch them. */
  remote(uri: string, partition: string): JWTVerifyGetKey {
    return async (header, token) => {
      const keys = await this.keySet(uri, false);
      try {
        return await keys(header, token);
      } catch (error) {
        if (!(error instanceof errors.JWKSNoMatchingKey) || !this.mayRefetch(partition, uri)) throw error;
        return (await this.keySet(uri, true))(header, token);
      }
    };
  }

  /** An issuer's keys: at `jwksUri` when given, else at the jwks_uri its discovery document names. */
  issuer(issuer: string, jwksUri: string | undefined, partition: string): JWTVerifyGetKey {
    return async (header, token) => {
      const uri = jwksUri ?? (await this.discover(issuer));
      return this.remote(uri, partition)(header, token);
    };
  }

  private mayRefetch(partition: string, uri: string): boolean {
    const key = `${partition} ${uri}`;
    const now = Date.now();
    const last = this.refetchedAt.get(key);
    if (last !== undefined && now - last < REFETCH_INTERVAL_MS) return false;
    remember(this.refetchedAt, key, now);
    return true;
  }

  private async keySet(uri: string, refresh: boolean): Promise<JWTVerifyGetKey> {
    return this.cached(this.keySets, uri, refresh, async () => {
      const { body, maxAgeSeconds } = await this.fetch(uri);
      if (!isKeySet(body)) throw new KeySourceError('invalid_jwks', `${uri} is not a JWK Set`);
      try {
        return { value: localKeySet(body), maxAgeSeconds };
      } catch {
        throw new KeySourceError('invalid_jwks', `${uri} is not a JWK Set`);
      }
    });
  }

  private async discover(issuer: string): Promise<string> {
    const location = `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
    return this.cached(this.discovered, location, false, async () => {
      const { body, maxAgeSeconds } = await this.fetch(location);
      const document = body as { issuer?: unknown; jwks_uri?: unknown } | null;
      if (document?.issuer !== issuer)
        throw new KeySourceError('invalid_discovery', `the discovery document of ${issuer} names another issuer`);
      if (typeof document.jwks_uri !== 'string' || !URL.canParse(document.jwks_uri))
        throw new KeySourceError('invalid_discovery', `the discovery document of ${issuer} has no jwks_uri`);
      return { value: document.jwks_uri, maxAgeSeconds };
    });
  }

  private async fetch(uri: string) {
    try {
      return await this.fetcher.json(uri);
    } catch (error) {
      if (error instanceof FetchRefusedError) throw new KeySourceError(error.failure, `${uri}: ${error.message}`);
      throw error;
    }
  }

  /** The cached value, fetched when missing, expired or `refresh`ed; stale within STALE_IF_ERROR_MS on failure. */
  private async cached<T>(
    cache: Map<string, Cached<T>>,
    key: string,
    refresh: boolean,
    load: () => Promise<{ value: T; maxAgeSeconds: number | null }>,
  ): Promise<T> {
    const entry = cache.get(key);
    const now = Date.now();
    if (entry && !refresh && entry.expiresAt > now) return entry.value;
    let pending = this.inFlight.get(key) as Promise<T> | undefined;
    if (!pending) {
      pending = load()
        .then(({ value, maxAgeSeconds }) => {
          const fetchedAt = Date.now();
          remember(cache, key, { value, fetchedAt, expiresAt: fetchedAt + lifetimeMs(maxAgeSeconds) });
          return value;
        })
        .finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    try {
      return await pending;
    } catch (error) {
      if (entry && now < entry.expiresAt + STALE_IF_ERROR_MS) return entry.value;
      throw error;
    }
  }
}
