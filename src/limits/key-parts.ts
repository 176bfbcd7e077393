import { hash } from 'node:crypto';
import ipaddr from 'ipaddr.js';

/**
 * The address a counter belongs to. One IPv6 subscriber typically holds a whole /64, so counting single
 * IPv6 addresses would let an attacker step to a fresh address per guess: IPv6 counts per /64.
 */
export function addressKeyPart(ip: string): string {
  if (!ip.includes(':') || !ipaddr.IPv6.isValid(ip)) return ip;
  const parts = ipaddr.IPv6.parse(ip).parts;
  return `${parts
    .slice(0, 4)
    .map((part) => part.toString(16))
    .join(':')}::/64`;
}

/**
 * Any text may arrive as a client_id, including a secret sent in the wrong field: it is digested, so
 * no credential ever becomes part of a Redis key name, and no key grows with the input. (One-shot
 * `hash`: every token request digests its client_id here, at half the cost of a createHash chain.)
 */
export function clientKeyPart(clientId: string): string {
  return hash('sha256', clientId, 'base64url').slice(0, 22);
}

/**
 * Counters belong to one deployment (one issuer): deployments sharing a Redis server never count each
 * other's failures, while every instance of one deployment shares them.
 */
export function deploymentKeyPart(issuer: string): string {
  return hash('sha256', issuer, 'base64url').slice(0, 8);
}
