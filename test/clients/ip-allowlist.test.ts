import { compileAllowlist, normalizeAllowlistEntry } from '../../src/clients/ip-allowlist.js';

describe('normalizeAllowlistEntry', () => {
  it.each([
    ['192.0.2.7', '192.0.2.7'],
    ['10.1.2.3/8', '10.0.0.0/8'],
    [' 203.0.113.0/24 ', '203.0.113.0/24'],
    ['2001:DB8::1', '2001:db8::1'],
    ['2001:db8:abcd::/32', '2001:db8::/32'],
    ['::ffff:192.0.2.1', '192.0.2.1'],
    ['::ffff:10.1.0.0/104', '10.0.0.0/8'],
  ])('canonicalises %s as %s', (entry, normalized) => expect(normalizeAllowlistEntry(entry)).toBe(normalized));

  it.each(['300.1.1.1', '10.0.0.0/33', '2001:db8::/129', 'example.com', '', '1.2.3', '::ffff:0.0.0.0/95'])('refuses %p', (entry) =>
    expect(normalizeAllowlistEntry(entry)).toBeNull(),
  );
});

describe('compileAllowlist', () => {
  it('allows everything when empty', () => {
    expect(compileAllowlist([])('198.51.100.1')).toBe(true);
  });

  it('matches IPv4 and IPv6 addresses and ranges, including IPv4-mapped IPv6 peers', () => {
    const allows = compileAllowlist(['10.0.0.0/8', '192.0.2.7', '2001:db8::/32']);
    expect(allows('10.20.30.40')).toBe(true);
    expect(allows('::ffff:10.20.30.40')).toBe(true);
    expect(allows('192.0.2.7')).toBe(true);
    expect(allows('192.0.2.8')).toBe(false);
    expect(allows('2001:db8:1::5')).toBe(true);
    expect(allows('2001:db9::1')).toBe(false);
    expect(allows('not an ip')).toBe(false);
  });
});
