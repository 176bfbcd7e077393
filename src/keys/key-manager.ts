import { createPrivateKey, createPublicKey, hkdfSync } from 'node:crypto';
import type { Knex } from 'knex';
import type { AuditTrail } from '../audit/event.js';
import type { SigningAlgorithm } from '../config/variables.js';
import type { Logger } from '../observability/logger.js';
import type { ChangeFeed } from '../sync/change-feed.js';
import { type Actor, SYSTEM_ACTOR } from '../x/actor.js';
import { NotFoundError, RetryLaterError } from '../x/errors.js';
import { decryptPrivateKey, encryptPrivateKey } from './envelope.js';
import { generateSigningKey } from './generate.js';
import { KeyRing } from './key-ring.js';
import type { KeyStore, StoredKeyRow } from './store.js';
import { type KeyTimeline, RETIRED_KEY_LIFETIME_MS, type RotationTiming, rotationDueAt } from './timing.js';
import type { KeyMetadata, KeyRevocation, KeyStatus, SigningKey } from './types.js';

export interface KeyManagerOptions {
  /** SIGNING_ALG: the algorithm of new installations, and of the next key after a change. */
  readonly signingAlg: SigningAlgorithm;
  readonly timing: RotationTiming;
}

export interface KeyManagerDependencies {
  readonly store: KeyStore;
  readonly keyEncryptionKey: Buffer;
  /** Tells the other instances to reread the keys. */
  readonly changes: ChangeFeed;
  readonly audit: AuditTrail;
  readonly logger: Logger;
}

type RotationReason = 'manual' | 'scheduled' | 'algorithm_change' | 'immediate';

interface Rotation {
  readonly activated: StoredKeyRow;
  readonly retiredKid: string;
  readonly nextKid: string;
  /** The unused next key an immediate rotation threw away. */
  readonly replacedNextKid?: string;
  readonly reason: RotationReason;
}

export interface RotateOptions {
  /** Emergency: a fresh key signs at once, without waiting for the next key's publication delay. */
  readonly immediate?: boolean;
}

/** What an immediate replacement did with the key that was active. */
type FormerActive = 'retire' | 'delete';

type RingListener = (ring: KeyRing) => void;

/**
 * Owns the signing keys: creates them, moves them through next -> active -> retired -> deleted, and
 * keeps this instance's KeyRing in step with the database. Every state change happens under the key
 * lock after rereading the rows, so however many instances try, a given rotation happens once.
 */
export class KeyManager {
  private ring: KeyRing | undefined;
  private ringFingerprint = '';
  /** Loads run one after another, so an older read never replaces a newer ring. */
  private loading: Promise<unknown> = Promise.resolve();
  private readonly listeners: RingListener[] = [];

  constructor(
    private readonly deps: KeyManagerDependencies,
    private readonly options: KeyManagerOptions,
  ) {}

  /**
   * Makes sure an active and a next key exist, and that the next key has the configured algorithm:
   * after a SIGNING_ALG change the unused next key is replaced, and the normal schedule activates its
   * successor once it has been published long enough. Safe when several instances start at once.
   */
  async initialize(): Promise<void> {
    const alg = this.options.signingAlg;
    await this.deps.store.withLock(async (trx, now) => {
      const rows = await this.deps.store.list(trx);
      if (!rows.some((row) => row.status === 'active')) {
        await this.createKey(trx, 'active', alg, now);
        this.deps.logger.info({ alg }, 'created the first signing key');
      }
      const next = rows.find((row) => row.status === 'next');
      if (next && next.alg !== alg) {
        // It has never signed anything, so no token depends on it.
        await this.deps.store.delete(trx, next.kid);
        this.deps.logger.info(
          { replaced: next.kid, from: next.alg, to: alg },
          'SIGNING_ALG changed: replaced the next signing key',
        );
      }
      if (!next || next.alg !== alg) await this.createKey(trx, 'next', alg, now);
    });
  }

  /**
   * A secret every instance derives alike (HKDF from the key-encryption key, which they all hold), one per
   * `purpose`: for values instances must agree on without sharing state, such as DPoP nonces.
   */
  derivedSecret(purpose: string): Buffer {
    return Buffer.from(hkdfSync('sha256', this.deps.keyEncryptionKey, '', `tollgate ${purpose}`, 32));
  }

  current(): KeyRing {
    if (!this.ring) throw new Error('KeyManager.refresh() must run before keys are used');
    return this.ring;
  }

  /**
   * Called with every new ring before it is used, e.g. to rebuild what publishes the JWKS. A listener
   * that throws fails the refresh, and the ring is not used.
   */
  onChange(listener: RingListener): void {
    this.listeners.push(listener);
  }

  /** Rereads the keys and replaces the ring if they changed; throws KeyEncryptionKeyError on a wrong key. */
  refresh(): Promise<KeyRing> {
    const load = this.loading.then(
      () => this.load(),
      () => this.load(),
    );
    this.loading = load.catch(() => undefined);
    return load;
  }

  /** Public metadata of every stored key, as the database has it now. */
  async list(): Promise<KeyMetadata[]> {
    return (await this.deps.store.list()).map(toMetadata);
  }

  /**
   * Rotates now, on request. The next key must already have been published long enough; otherwise
   * verifiers holding a cached JWKS could not verify its tokens, so this refuses (409) and says when to
   * retry, instead of rotating unsafely or holding the request open for minutes.
   *
   * `immediate` is for a suspected compromise, when waiting is worse: see `replaceAtOnce`.
   */
  async rotate(actor: Actor, options: RotateOptions = {}): Promise<KeyMetadata> {
    const { minNextKeyAgeMs, jwksMaxAgeSeconds } = this.options.timing;
    const rotation = await this.deps.store.withLock(async (trx, now) => {
      const rows = await this.deps.store.list(trx);
      if (options.immediate) return this.replaceAtOnce(trx, rows, now, 'retire');
      const next = rows.find((row) => row.status === 'next');
      const readyAt = next ? next.created_at.getTime() + minNextKeyAgeMs : now.getTime();
      if (readyAt > now.getTime()) {
        const retryAfterSeconds = Math.max(1, Math.ceil((readyAt - now.getTime()) / 1000));
        throw new RetryLaterError(
          `the next signing key was published ${Math.floor((now.getTime() - next!.created_at.getTime()) / 1000)} s ago and verifiers may cache the JWKS for ${jwksMaxAgeSeconds} s: ` +
            `it may sign from ${new Date(readyAt).toISOString()} on; retry in ${retryAfterSeconds} s`,
          new Date(readyAt),
          retryAfterSeconds,
        );
      }
      return this.promote(trx, rows, now, 'manual');
    });
    await this.announce(rotation, actor);
    return toMetadata(rotation.activated);
  }

  /**
   * Emergency, for a key suspected compromised: takes it out of service on every instance at once. It
   * leaves the JWKS, and every token it signed stops verifying here (the validator knows only the keys
   * in the ring), so introspection answers inactive and the admin API refuses them. Revoking the active
   * key first puts a fresh one in its place (`replaceAtOnce`), so the server always signs; a revoked
   * next key is replaced by a fresh next key. The caller removes the sessions of the tokens it signed.
   */
  async revoke(kid: string, actor: Actor): Promise<KeyRevocation> {
    const { revoked, active, replacements } = await this.deps.store.withLock(async (trx, now) => {
      const rows = await this.deps.store.list(trx);
      const revoked = rows.find((row) => row.kid === kid);
      if (!revoked) throw new NotFoundError('no signing key has this kid (keys that expired or were revoked are gone)');
      if (revoked.status === 'active') {
        const { activated, nextKid, replacedNextKid } = await this.replaceAtOnce(trx, rows, now, 'delete');
        return {
          revoked,
          active: activated,
          replacements: { active_kid: activated.kid, next_kid: nextKid, replaced_next_kid: replacedNextKid ?? null },
        };
      }
      await this.deps.store.delete(trx, kid);
      const replacements =
        revoked.status === 'next' ? { next_kid: (await this.createKey(trx, 'next', revoked.alg, now)).kid } : {};
      return { revoked, active: rows.find((row) => row.status === 'active')!, replacements };
    });
    await this.refreshAndNotify();
    const details = { kid: revoked.kid, alg: revoked.alg, status: revoked.status, ...replacements };
    this.deps.audit.record({
      type: 'key.revoked',
      actor: actor.clientId,
      ip: actor.ip,
      request_id: actor.requestId,
      details,
    });
    this.deps.logger.info(details, 'revoked a signing key: it is unpublished and the tokens it signed are refused');
    return { revoked: toMetadata(revoked), active: toMetadata(active) };
  }

  /** One poll: follows changes made elsewhere, then performs a rotation or a removal that is due. */
  async maintain(): Promise<void> {
    await this.refresh();
    await this.rotateIfDue();
    await this.removeExpired();
  }

  private async rotateIfDue(): Promise<void> {
    // The ring in memory only says whether to look; the decision is taken again under the lock.
    if (!isDue(this.current().keys, this.options.timing, Date.now())) return;
    const rotation = await this.deps.store.withLock(async (trx, now) => {
      const rows = await this.deps.store.list(trx);
      if (!isDue(rows.map(timelineOf), this.options.timing, now.getTime())) return null;
      const active = rows.find((row) => row.status === 'active');
      const next = rows.find((row) => row.status === 'next');
      return this.promote(trx, rows, now, active?.alg === next?.alg ? 'scheduled' : 'algorithm_change');
    });
    if (rotation) await this.announce(rotation, SYSTEM_ACTOR);
  }

  /** Deletes retired keys whose tokens have all expired, which also takes them out of the JWKS. */
  private async removeExpired(): Promise<void> {
    const now = Date.now();
    if (
      !this.current().keys.some(
        (key) => key.status === 'retired' && key.expiresAt !== null && key.expiresAt.getTime() <= now,
      )
    )
      return;
    const kids = await this.deps.store.withLock((trx, lockedNow) => this.deps.store.deleteExpired(trx, lockedNow));
    if (!kids.length) return;
    await this.refreshAndNotify();
    for (const kid of kids)
      this.deps.audit.record({
        type: 'key.deleted',
        actor: SYSTEM_ACTOR.clientId,
        details: { kid, reason: 'expired' },
      });
    this.deps.logger.info({ kids }, 'deleted retired signing keys whose tokens have expired');
  }

  private async promote(trx: Knex, rows: StoredKeyRow[], now: Date, reason: RotationReason): Promise<Rotation> {
    const active = rows.find((row) => row.status === 'active');
    const next = rows.find((row) => row.status === 'next');
    if (!active || !next) throw new Error('the key store lacks an active or a next key; initialize() creates them');
    // In this order, so the unique index sees at most one active key at every statement.
    await this.deps.store.update(trx, active.kid, {
      status: 'retired',
      retired_at: now,
      expires_at: new Date(now.getTime() + RETIRED_KEY_LIFETIME_MS),
    });
    await this.deps.store.update(trx, next.kid, { status: 'active', activated_at: now });
    // The successor keeps the algorithm of the keys in use, so an instance still running with an old
    // SIGNING_ALG does not undo a change; SIGNING_ALG itself is applied by initialize().
    const successor = await this.createKey(trx, 'next', next.alg, now);
    return {
      activated: { ...next, status: 'active', activated_at: now },
      retiredKid: active.kid,
      nextKid: successor.kid,
      reason,
    };
  }

  /**
   * The emergency rotation: a key created now signs at once, skipping the publication delay. Verifiers
   * that meet its unknown kid refetch the JWKS (jose's createRemoteJWKSet does); one that never refetches
   * rejects new tokens until its cached copy expires (JWKS max-age). The next key is replaced as well: it
   * never signed anything, and it was stored and held in memory beside the suspect key. The active key
   * keeps its algorithm; a pending SIGNING_ALG change stays with the next key. The former active key is
   * retired (its tokens keep verifying) or, when it is being revoked, deleted.
   */
  private async replaceAtOnce(
    trx: Knex,
    rows: StoredKeyRow[],
    now: Date,
    formerActive: FormerActive,
  ): Promise<Rotation> {
    const active = rows.find((row) => row.status === 'active');
    const next = rows.find((row) => row.status === 'next');
    if (!active) throw new Error('the key store lacks an active key; initialize() creates it');
    // The old active key goes first, so the unique index sees at most one active key at every statement.
    if (formerActive === 'retire') {
      await this.deps.store.update(trx, active.kid, {
        status: 'retired',
        retired_at: now,
        expires_at: new Date(now.getTime() + RETIRED_KEY_LIFETIME_MS),
      });
    } else {
      await this.deps.store.delete(trx, active.kid);
    }
    if (next) await this.deps.store.delete(trx, next.kid);
    const activated = await this.createKey(trx, 'active', active.alg, now);
    const successor = await this.createKey(trx, 'next', next?.alg ?? active.alg, now);
    return {
      activated,
      retiredKid: active.kid,
      nextKid: successor.kid,
      ...(next ? { replacedNextKid: next.kid } : {}),
      reason: 'immediate',
    };
  }

  /** This instance signs with the new key before the caller hears of it; the others follow the notice. */
  private async announce(rotation: Rotation, actor: Actor): Promise<void> {
    const { activated, retiredKid, nextKid, replacedNextKid, reason } = rotation;
    await this.refreshAndNotify();
    const details = {
      kid: activated.kid,
      alg: activated.alg,
      retired_kid: retiredKid,
      next_kid: nextKid,
      reason,
      ...(replacedNextKid ? { replaced_next_kid: replacedNextKid } : {}),
    };
    this.deps.audit.record({
      type: 'key.rotated',
      actor: actor.clientId,
      ip: actor.ip,
      request_id: actor.requestId,
      details,
    });
    this.deps.logger.info(details, 'rotated the signing key');
  }

  /**
   * After a committed change: a failed reread here is logged rather than thrown, because the change did
   * happen and the next poll picks it up.
   */
  private async refreshAndNotify(): Promise<void> {
    await this.refresh().catch((error: unknown) =>
      this.deps.logger.warn({ err: error }, 'could not reread the signing keys after a change'),
    );
    await this.deps.changes.publish({ type: 'keys' });
  }

  private async load(): Promise<KeyRing> {
    const rows = await this.deps.store.list();
    const fingerprint = rows
      .map((row) =>
        [row.kid, row.status, row.created_at.getTime(), row.activated_at?.getTime(), row.expires_at?.getTime()].join(
          ':',
        ),
      )
      .join(',');
    if (this.ring && fingerprint === this.ringFingerprint) return this.ring;
    const ring = new KeyRing(rows.map((row) => this.decrypt(row)));
    // The listeners first (they publish the JWKS): one that fails fails the refresh, and this instance
    // keeps signing with the ring it has, so it never signs with a key it could not publish. The next
    // refresh retries, since the fingerprint still differs; listeners must accept the same ring twice.
    for (const listener of this.listeners) listener(ring);
    this.ring = ring;
    this.ringFingerprint = fingerprint;
    return ring;
  }

  private async createKey(trx: Knex, status: KeyStatus, alg: SigningAlgorithm, now: Date): Promise<StoredKeyRow> {
    const generated = await generateSigningKey(alg);
    const pkcs8 = generated.privateKey.export({ format: 'der', type: 'pkcs8' });
    const row = {
      kid: generated.kid,
      alg,
      status,
      public_jwk: generated.publicJwk,
      private_key_ciphertext: encryptPrivateKey(this.deps.keyEncryptionKey, generated.kid, pkcs8),
      created_at: now,
      activated_at: status === 'active' ? now : null,
    };
    await this.deps.store.insert(trx, row);
    return { ...row, retired_at: null, expires_at: null };
  }

  private decrypt(row: StoredKeyRow): SigningKey {
    const privateKey = createPrivateKey({
      key: decryptPrivateKey(this.deps.keyEncryptionKey, row.kid, row.private_key_ciphertext),
      format: 'der',
      type: 'pkcs8',
    });
    return {
      kid: row.kid,
      alg: row.alg,
      status: row.status,
      publicJwk: row.public_jwk,
      publicKey: createPublicKey(privateKey),
      privateKey,
      createdAt: row.created_at,
      activatedAt: row.activated_at,
      retiredAt: row.retired_at,
      expiresAt: row.expires_at,
    };
  }
}

function isDue(keys: readonly KeyTimeline[], timing: RotationTiming, now: number): boolean {
  const dueAt = rotationDueAt(keys, timing);
  return dueAt !== null && dueAt.getTime() <= now;
}

function timelineOf(row: StoredKeyRow): KeyTimeline {
  return { status: row.status, alg: row.alg, createdAt: row.created_at, activatedAt: row.activated_at };
}

function iso(date: Date | null): string | null {
  return date ? date.toISOString() : null;
}

function toMetadata(row: StoredKeyRow): KeyMetadata {
  return {
    kid: row.kid,
    alg: row.alg,
    status: row.status,
    created_at: row.created_at.toISOString(),
    activated_at: iso(row.activated_at),
    retired_at: iso(row.retired_at),
    expires_at: iso(row.expires_at),
  };
}
