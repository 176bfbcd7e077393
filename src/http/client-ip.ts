import type { IncomingMessage } from 'node:http';
import ipaddr from 'ipaddr.js';
import type { ProxyTrust } from '../config/proxy-trust.js';

export function unmapIPv4(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

function forwardedFor(req: IncomingMessage): string[] {
  const header = req.headers['x-forwarded-for'];
  return (Array.isArray(header) ? header.join(',') : (header ?? ''))
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
