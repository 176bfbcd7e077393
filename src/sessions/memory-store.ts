import { type Page, type PageRequest, pageOf } from '../db/paging.js';
import { FixedWindowCounters } from '../limits/fixed-window.js';
import { nowSeconds, sessionOrderKey } from './order-key.js';
import type { CreateLimits, CreateOutcome, Session, SessionStore } from './types.js';

const SWEEP_INTERVAL_MS = 60_000;

/** The single-node session store: same semantics as Redis, kept in this process. */
export class MemorySessionStore implements SessionStore {
  readonly kind = 'memory';
  private readonly byClient = new Map<string, Map<string, Session>>();
  private readonly issued = new FixedWindowCounters();
  private readonly sweeper: NodeJS.Timeout;

  constructor() {
    this.sweeper = setInterval(() => this.sweep(), SWEEP_INTERVAL_MS);
    this.sweeper.unref();
  }

  async create(session: Session, limits: CreateLimits): Promise<CreateOutcome> {
    if (limits.perWindow > 0) {
      const { count, remainingMs } = this.issued.peek(session.client_id);
      if (count >= limits.perWindow) return { status: 'rate_limited', retryAfterMs: remainingMs };
    }
    const sessions = this.live(session.client_id, true)!;
    if (limits.maxPerClient > 0 && sessions.size >= limits.maxPerClient) return { status: 'session_limit' };
    sessions.set(session.jti, session);
    if (limits.perWindow > 0) this.issued.increment(session.client_id, limits.windowMs);
    return { status: 'created' };
  }

  async discard(session: Pick<Session, 'client_id' | 'jti' | 'exp'>): Promise<void> {
    this.live(session.client_id, false)?.delete(session.jti);
    this.issued.decrement(session.client_id);
  }

  async get(clientId: string, jti: string): Promise<Session | null> {
    return this.live(clientId, false)?.get(jti) ?? null;
  }

  async list(clientId: string, { limit, after }: PageRequest): Promise<Page<Session>> {
    const ordered = [...(this.live(clientId, false)?.values() ?? [])]
      .map((session) => ({ session, key: sessionOrderKey(session) }))
      .filter(({ key }) => after === null || key < after)
      .sort((a, b) => (a.key < b.key ? 1 : -1));
    const page = pageOf(ordered, limit, ({ key }) => key);
    return { items: page.items.map(({ session }) => session), next: page.next };
  }

  async count(clientId: string): Promise<number> {
    return this.live(clientId, false)?.size ?? 0;
  }

  async revoke(clientId: string, jti: string): Promise<boolean> {
    return this.live(clientId, false)?.delete(jti) ?? false;
  }

  async revokeAll(clientId: string): Promise<number> {
    const count = this.live(clientId, false)?.size ?? 0;
    this.byClient.delete(clientId);
    return count;
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    clearInterval(this.sweeper);
  }

  /** The client's sessions with expired ones dropped, so nothing outlives its token. */
  private live(clientId: string, create: boolean): Map<string, Session> | undefined {
    let sessions = this.byClient.get(clientId);
    if (!sessions) {
      if (!create) return undefined;
      sessions = new Map();
      this.byClient.set(clientId, sessions);
    }
    // Insertion order is expiry order (every token lives 24 h), so expired sessions are at the front.
    const now = nowSeconds();
    for (const [jti, session] of sessions) {
      if (session.exp > now) break;
      sessions.delete(jti);
    }
    return sessions;
  }

  private sweep(): void {
    for (const clientId of this.byClient.keys()) {
      if (this.live(clientId, false)?.size === 0) this.byClient.delete(clientId);
    }
  }
}
