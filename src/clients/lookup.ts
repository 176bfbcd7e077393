import { LRUCache } from 'lru-cache';
import type { ChangeFeed } from '../sync/change-feed.js';
import { DependencyUnavailableError } from '../x/errors.js';
import { type AllowlistMatcher, compileAllowlist } from '../x/ip-ranges.js';
import { isWellFormedClientId } from './schemas.js';
import type { ClientStore } from './store.js';
import type { ClientRecord } from './types.js';

export interface CachedClient {
  readonly record: ClientRecord;
  readonly allowsIp: AllowlistMatcher;
}

/** Bounds on memory whatever ids callers make up; the least recently used entry goes first. */
const MAX_KNOWN = 100_000;
/** Separate and smaller, so a flood of made-up ids can never push real clients out of the cache. */
const MAX_UNKNOWN = 10_000;

interface Entry {
  readonly client: CachedClient | null;
  readonly fetchedAt: number;
}

export interface ClientLookupOptions {
  readonly ttlMs: number;
  /** How long past its TTL an entry may still serve while the database does not answer. */
  readonly staleIfErrorMs: number;
}

/**
 * The token endpoint's view of clients: a short per-process cache in front of Postgres, so issuing a
 * token costs no database round trip. Admin changes evict entries on every instance through the change
 * feed; the TTL bounds staleness if a notice is lost. Unknown ids are cached too, so a flood of made-up
 * client_ids cannot turn into a flood of queries.
 */
export class ClientLookup {
  /** Entries leave (lru-cache's ttl) once even the stale-if-error window is over. */
  private readonly known: LRUCache<string, Entry>;
  private readonly unknown: LRUCache<string, Entry>;
  private readonly inFlight = new Map<string, Promise<CachedClient | null>>();
  /** Bumped by every change notice: a lookup that overlapped a change is answered but not cached. */
  private generation = 0;

  constructor(
    private readonly store: Pick<ClientStore, 'find'>,
    private readonly options: ClientLookupOptions,
    changes: ChangeFeed,
  ) {
    const ttl = options.ttlMs + options.staleIfErrorMs;
    this.known = new LRUCache({ max: MAX_KNOWN, ttl });
    this.unknown = new LRUCache({ max: MAX_UNKNOWN, ttl });
    changes.subscribe((event) => {
      if (event.type !== 'client') return;
      this.generation += 1;
      this.known.delete(event.clientId);
      this.unknown.delete(event.clientId);
    });
  }

  /**
   * `beforeQuery` is awaited only when the answer is not in memory, before the database is asked; when
   * it throws, the database is not asked (the OAuth endpoints pass their caller's rate-limit verdict).
   */
  async find(clientId: string, beforeQuery?: () => Promise<void>): Promise<CachedClient | null> {
    // An id no client can have is unknown without a query (and a NUL byte never reaches Postgres).
    if (!isWellFormedClientId(clientId)) return null;
    const entry = this.known.get(clientId) ?? this.unknown.get(clientId);
    const age = entry ? Date.now() - entry.fetchedAt : Infinity;
    if (entry && age < this.options.ttlMs) return entry.client;
    await beforeQuery?.();
    try {
      return await this.fetch(clientId);
    } catch (error) {
      const stillServable = entry !== undefined && age < this.options.ttlMs + this.options.staleIfErrorMs;
      if (error instanceof DependencyUnavailableError && stillServable) return entry.client;
      throw error;
    }
  }

  /** One query per client id however many requests miss the cache at once. */
  private fetch(clientId: string): Promise<CachedClient | null> {
    let pending = this.inFlight.get(clientId);
    if (!pending) {
      const generation = this.generation;
      pending = this.store
        .find(clientId)
        .then((record) => {
          const client = record ? { record, allowsIp: compileAllowlist(record.ipAllowlist) } : null;
          if (generation === this.generation) this.remember(clientId, { client, fetchedAt: Date.now() });
          return client;
        })
        .finally(() => this.inFlight.delete(clientId));
      this.inFlight.set(clientId, pending);
    }
    return pending;
  }

  private remember(clientId: string, entry: Entry): void {
    const [cache, other] = entry.client ? [this.known, this.unknown] : [this.unknown, this.known];
    other.delete(clientId);
    cache.set(clientId, entry);
  }
}
