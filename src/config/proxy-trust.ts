import { compileAllowlist, normalizeAllowlistEntry } from '../x/ip-ranges.js';

/**
 * Which X-Forwarded-For entries to believe. `hops`: the N-th entry from the right, whoever sent the
 * request (only safe when the port is reachable through the proxies alone). `networks`: only when the
 * peer is one of the listed proxies, walking right to left past every listed proxy.
 */
export type ProxyTrust =
  | { readonly kind: 'none' }
  | { readonly kind: 'hops'; readonly hops: number }
  | { readonly kind: 'networks'; readonly networks: readonly string[]; readonly isProxy: (ip: string) => boolean };

export const NO_PROXY: ProxyTrust = { kind: 'none' };

/** TRUST_PROXY: `false`, `true` (one hop), a number of hops, or a comma-separated list of proxy addresses/CIDRs. */
export function parseProxyTrust(value: string): ProxyTrust | null {
  if (value === 'false' || value === '0') return NO_PROXY;
  if (value === 'true') return { kind: 'hops', hops: 1 };
  if (/^\d{1,2}$/.test(value)) return { kind: 'hops', hops: Number(value) };
  const networks = value.split(',').map((entry) => normalizeAllowlistEntry(entry));
  if (networks.length === 0 || networks.some((entry) => entry === null)) return null;
  const valid = networks as string[];
  return { kind: 'networks', networks: valid, isProxy: compileAllowlist(valid) };
}
