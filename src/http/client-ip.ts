import type { IncomingMessage } from 'node:http';
import ipaddr from 'ipaddr.js';
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

function unmapIPv4(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

function forwardedFor(req: IncomingMessage): string[] {
  const header = req.headers['x-forwarded-for'];
  return (Array.isArray(header) ? header.join(',') : header ?? '')
    .split(',')
    .map((entry) => unmapIPv4(entry.trim()))
    .filter(Boolean);
}

/**
 * The caller's address. Each trusted proxy appends the address it saw to X-Forwarded-For; entries further
 * left are whatever the client chose to send and are never believed. An entry that is not an IP address
 * is not believed either: the peer's address is used instead.
 */
export function clientIp(req: IncomingMessage, trust: ProxyTrust): string {
  const peer = unmapIPv4(req.socket.remoteAddress ?? '');
  if (trust.kind === 'none') return peer;
  const forwarded = forwardedFor(req);
  if (trust.kind === 'hops') {
    const candidate = forwarded[forwarded.length - trust.hops] ?? forwarded[0];
    return candidate && ipaddr.isValid(candidate) ? candidate : peer;
  }
  let seenBy = peer;
  if (!trust.isProxy(seenBy)) return seenBy;
  for (let i = forwarded.length - 1; i >= 0; i -= 1) {
    const entry = forwarded[i]!;
    if (!ipaddr.isValid(entry)) return seenBy;
    seenBy = entry;
    if (!trust.isProxy(seenBy)) return seenBy;
  }
  return seenBy;
}
