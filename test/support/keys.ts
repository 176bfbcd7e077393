import { decodeProtectedHeader } from 'jose';
import type { Knex } from 'knex';
import { adminToken } from './oauth.js';

export interface PublishedJwks {
  readonly keys: Record<string, unknown>[];
  readonly kids: string[];
  readonly cacheControl: string | null;
}

export async function fetchJwks(baseUrl: string): Promise<PublishedJwks> {
  const response = await fetch(`${baseUrl}/jwks`);
  const { keys } = (await response.json()) as { keys: Record<string, unknown>[] };
  return {
    keys,
    kids: keys.map((key) => key.kid as string).sort(),
    cacheControl: response.headers.get('cache-control'),
  };
}

export function kidOf(token: string): string {
  return decodeProtectedHeader(token).kid!;
}

/** The kid this instance signs new tokens with right now. */
export async function signingKid(baseUrl: string): Promise<string> {
  return kidOf(await adminToken(baseUrl));
}

export interface KeyRow {
  kid: string;
  alg: string;
  status: string;
  public_jwk: Record<string, unknown>;
  private_key_ciphertext: string;
  created_at: Date;
  activated_at: Date | null;
  retired_at: Date | null;
  expires_at: Date | null;
}

export async function keyRows(db: Knex): Promise<KeyRow[]> {
  return db<KeyRow>('signing_keys').select('*').orderBy('created_at', 'asc');
}

/** Stands in for time passing: the next key looks published an hour ago, long enough to sign. */
export async function ageNextKey(db: Knex): Promise<string> {
  const [row] = await db<KeyRow>('signing_keys')
    .where({ status: 'next' })
    .update({ created_at: new Date(Date.now() - 3_600_000) }, ['kid']);
  return row!.kid;
}

export const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];
export const KEY_METADATA_FIELDS = ['activated_at', 'alg', 'created_at', 'expires_at', 'kid', 'retired_at', 'status'];
