import type { IncomingMessage } from 'node:http';

function unmapIPv4(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

/**
 * The caller's address. Behind N trusted proxies, each appends the address it saw to X-Forwarded-For, so
 * the N-th entry from the right is the one the outermost trusted proxy saw; entries further left are
 * whatever the client chose to send, and are never trusted.
 */
export function clientIp(req: IncomingMessage, trustedProxyHops: number): string {
  const peer = unmapIPv4(req.socket.remoteAddress ?? '');
  if (trustedProxyHops === 0) return peer;
  const header = req.headers['x-forwarded-for'];
  const forwarded = (Array.isArray(header) ? header.join(',') : header ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  const candidate = forwarded[forwarded.length - trustedProxyHops] ?? forwarded[0];
  return candidate ? unmapIPv4(candidate) : peer;
}
