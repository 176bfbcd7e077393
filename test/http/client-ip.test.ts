import type { IncomingMessage } from 'node:http';
import { type ProxyTrust, parseProxyTrust } from '../../src/config/proxy-trust.js';
import { clientIp } from '../../src/http/client-ip.js';

function request(peer: string, forwardedFor?: string): IncomingMessage {
  return {
    socket: { remoteAddress: peer },
    headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor },
  } as unknown as IncomingMessage;
}

const trust = (value: string): ProxyTrust => parseProxyTrust(value)!;

describe('clientIp', () => {
  it('uses the TCP peer without proxy trust, IPv4-mapped addresses unmapped', () => {
    expect(clientIp(request('::ffff:198.51.100.7', '203.0.113.9'), trust('false'))).toBe('198.51.100.7');
  });

  it('with hops, takes the entry the outermost proxy added and ignores what the client sent', () => {
    expect(clientIp(request('10.0.0.5', '203.0.113.9, 198.51.100.7'), trust('true'))).toBe('198.51.100.7');
    expect(clientIp(request('10.0.0.5', '203.0.113.9, 198.51.100.7, 10.0.0.4'), trust('2'))).toBe('198.51.100.7');
  });

  it('never believes an entry that is not an IP address', () => {
    expect(clientIp(request('10.0.0.5', 'not-an-ip<script>'), trust('true'))).toBe('10.0.0.5');
    expect(clientIp(request('10.0.0.5', '203.0.113.9, garbage'), trust('10.0.0.0/8'))).toBe('10.0.0.5');
  });

  it('with proxy networks, believes X-Forwarded-For only from those proxies, right to left', () => {
    const proxies = trust('10.0.0.0/8, 2001:db8::1');
    expect(clientIp(request('198.51.100.66', '203.0.113.9'), proxies)).toBe('198.51.100.66');
    expect(clientIp(request('10.0.0.5', '192.0.2.1, 203.0.113.9, 10.0.0.4'), proxies)).toBe('203.0.113.9');
    expect(clientIp(request('2001:db8::1', '203.0.113.9'), proxies)).toBe('203.0.113.9');
    expect(clientIp(request('10.0.0.5'), proxies)).toBe('10.0.0.5');
  });

  it('refuses malformed TRUST_PROXY values', () => {
    for (const value of ['yes', '10.0.0.0/8,', 'proxy.internal', '999']) expect(parseProxyTrust(value)).toBeNull();
  });
});
