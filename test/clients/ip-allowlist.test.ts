import { allowlistNarrows, compileAllowlist, normalizeAllowlistEntry } from '../../src/x/ip-ranges.js';

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

  it.each(['300.1.1.1', '10.0.0.0/33', '2001:db8::/129', 'example.com', '', '1.2.3', '::ffff:0.0.0.0/95'])(
    'refuses %p',
    (entry) => expect(normalizeAllowlistEntry(entry)).toBeNull(),
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

describe('allowlistNarrows', () => {
  it.each([
    [[], ['10.0.0.0/8'], true],
    [['10.0.0.0/8'], [], false],
    [['10.0.0.0/8'], ['10.0.0.0/9'], true],
    [['10.0.0.0/9'], ['10.0.0.0/8'], false],
    [['10.0.0.0/8'], ['10.0.0.0/9', '10.128.0.0/9'], false],
    [['10.0.0.0/8'], ['10.0.0.0/9', '10.128.0.0/10'], true],
    [['10.0.0.0/8', '192.0.2.7'], ['10.0.0.0/8'], true],
    [['192.0.2.7'], ['192.0.2.0/24', '2001:db8::/32'], false],
    [['192.0.2.7', '192.0.2.6'], ['192.0.2.6/31'], false],
    [['2001:db8::/32'], ['2001:db8::/33', '2001:db8:8000::/33'], false],
    [['2001:db8::/32'], ['2001:db8::/48'], true],
    // Peers are compared by family: a mapped IPv4 entry is its IPv4 address, ::/0 does not hold IPv4 peers.
    [['::ffff:10.0.0.0/104'], ['10.0.0.0/8'], false],
    [['10.0.0.0/8'], ['::/0'], true],
    [[], ['0.0.0.0/0', '::/0'], false],
  ])('from %j to %j: %p', (before, after, narrows) => expect(allowlistNarrows(before, after)).toBe(narrows));

  it('agrees with comparing every address, for random lists of ranges', () => {
    // A fixed seed: the same lists on every run (mulberry32).
    let seed = 0x7011_6a7e;
    const random = () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
    };
    const randomList = (): string[] => {
      if (random() < 0.1) return [];
      return Array.from(
        { length: 1 + Math.floor(random() * 4) },
        () => normalizeAllowlistEntry(`10.0.0.${Math.floor(random() * 64)}/${26 + Math.floor(random() * 7)}`)!,
      );
    };
    // The lists only hold ranges inside 10.0.0.0/26, so these addresses tell every two lists apart.
    const addresses = [
      ...Array.from({ length: 64 }, (_, index) => `10.0.0.${index}`),
      '10.0.0.64',
      '192.0.2.1',
      '2001:db8::1',
    ];
    let narrowings = 0;
    for (let round = 0; round < 2_000; round += 1) {
      const [before, after] = [randomList(), randomList()];
      const [admittedBefore, admittedAfter] = [compileAllowlist(before), compileAllowlist(after)];
      const expected = addresses.some((address) => admittedBefore(address) && !admittedAfter(address));
      expect({ before, after, narrows: allowlistNarrows(before, after) }).toEqual({ before, after, narrows: expected });
      if (expected) narrowings += 1;
    }
    // Both answers came up often enough to mean something.
    expect(narrowings).toBeGreaterThan(200);
    expect(narrowings).toBeLessThan(1_800);
  });
});
