import ipaddr from 'ipaddr.js';

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];

/**
 * Strict parsing: IPv4 only in four-part decimal (ipaddr.parse would take legacy forms such as `1.2.3`
 * or `0x7f.1`, which nobody means in an allowlist). An IPv4-mapped IPv6 address (::ffff:1.2.3.4, as
 * dual-stack sockets report IPv4 peers) is its IPv4 address.
 */
function parseAddress(text: string): ipaddr.IPv4 | ipaddr.IPv6 {
  if (!text.includes(':') && !ipaddr.IPv4.isValidFourPartDecimal(text)) throw new Error(`not an IPv4 address: ${text}`);
  const address = ipaddr.parse(text);
  return address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress()
    ? (address as ipaddr.IPv6).toIPv4Address()
    : address;
}

function parseEntry(entry: string): Range {
  if (entry.includes('/')) {
    parseAddress(entry.slice(0, entry.indexOf('/')));
    const [address, prefix] = ipaddr.parseCIDR(entry);
    // Peers are compared as IPv4, so an IPv4-mapped range (::ffff:10.0.0.0/104) becomes 10.0.0.0/8;
    // one wider than the mapped space could never match anything and is refused.
    if (address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress()) {
      if (prefix < 96) throw new Error(`an IPv4-mapped range needs a prefix of at least 96: ${entry}`);
      return [(address as ipaddr.IPv6).toIPv4Address(), prefix - 96];
    }
    return [address, prefix];
  }
  const address = parseAddress(entry);
  return [address, address.kind() === 'ipv4' ? 32 : 128];
}

/** The canonical form of an allowlist entry (`10.0.0.0/8`, `2001:db8::/32`, `192.0.2.7`), or null when malformed. */
export function normalizeAllowlistEntry(entry: string): string | null {
  try {
    const [address, prefix] = parseEntry(entry.trim());
    const full = address.kind() === 'ipv4' ? 32 : 128;
    if (prefix === full && !entry.includes('/')) return address.toString();
    const network =
      address.kind() === 'ipv4'
        ? ipaddr.IPv4.networkAddressFromCIDR(`${address.toString()}/${prefix}`)
        : ipaddr.IPv6.networkAddressFromCIDR(`${address.toString()}/${prefix}`);
    return `${network.toString()}/${prefix}`;
  } catch {
    return null;
  }
}

export type AllowlistMatcher = (ip: string) => boolean;

/** Compiles an allowlist once; an empty list allows every address. */
export function compileAllowlist(entries: readonly string[]): AllowlistMatcher {
  if (entries.length === 0) return () => true;
  const ranges = entries.map(parseEntry);
  return (ip) => {
    let address: ipaddr.IPv4 | ipaddr.IPv6;
    try {
      address = parseAddress(ip);
    } catch {
      return false;
    }
    return ranges.some(([network, prefix]) => network.kind() === address.kind() && address.match(network, prefix));
  };
}

/** Every address of one family: what an empty allowlist admits. */
const EVERYTHING: readonly Range[] = [
  [ipaddr.IPv4.parse('0.0.0.0'), 0],
  [ipaddr.IPv6.parse('::'), 0],
];

/** The range's first address: `10.1.2.3/8` is `10.0.0.0/8`. */
function networkOf([address, prefix]: Range): Range {
  const bytes = address.toByteArray().map((byte, index) => {
    const kept = Math.min(8, Math.max(0, prefix - index * 8));
    return byte & (0xff << (8 - kept)) & 0xff;
  });
  return [ipaddr.fromByteArray(bytes), prefix];
}

/** The two ranges one bit longer that make up `range` (a network address). */
function halvesOf([network, prefix]: Range): [Range, Range] {
  const upper = network.toByteArray();
  upper[prefix >> 3]! |= 0x80 >> (prefix & 7);
  return [
    [network, prefix + 1],
    [ipaddr.fromByteArray(upper), prefix + 1],
  ];
}

/**
 * Whether the union of `ranges` (network addresses) contains all of `range`. A range no single one
 * contains may still be covered by smaller ones inside it (10.0.0.0/8 by 10.0.0.0/9 and 10.128.0.0/9):
 * then each half must be covered by those. Every split is one bit longer and only keeps the ranges
 * inside, so this ends after at most 128 levels per range.
 */
function covers(ranges: readonly Range[], range: Range): boolean {
  const [network, prefix] = range;
  const sameFamily = ranges.filter(([other]) => other.kind() === network.kind());
  if (sameFamily.some(([other, otherPrefix]) => otherPrefix <= prefix && network.match(other, otherPrefix)))
    return true;
  const inside = sameFamily.filter(([other, otherPrefix]) => otherPrefix > prefix && other.match(network, prefix));
  if (inside.length === 0) return false;
  const [lower, upper] = halvesOf(range);
  return covers(inside, lower) && covers(inside, upper);
}

/**
 * Whether changing an allowlist from `before` to `after` refuses some address that `before` admitted
 * (the admitted sets: new set ⊉ old set). Tokens are not bound to an address, so such a change must cut
 * the client's outstanding tokens; a wider or equal list need not. Both lists are valid allowlists.
 */
export function allowlistNarrows(before: readonly string[], after: readonly string[]): boolean {
  const admitted = (entries: readonly string[]) =>
    entries.length === 0 ? EVERYTHING : entries.map((entry) => networkOf(parseEntry(entry)));
  const afterRanges = admitted(after);
  return !admitted(before).every((range) => covers(afterRanges, range));
}

/**
 * Whether an address is an ordinary public unicast address: not loopback, private, link-local (which holds
 * the cloud metadata endpoints), carrier-grade NAT, unique-local, multicast, reserved or a translation
 * range that could reach one of those. What a server-side fetch to an address an administrator typed may
 * connect to. An IPv4-mapped IPv6 address is judged as its IPv4 address.
 */
export function isPublicUnicast(text: string): boolean {
  if (!ipaddr.isValid(text)) return false;
  let address = ipaddr.parse(text);
  if (address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress())
    address = (address as ipaddr.IPv6).toIPv4Address();
  return address.range() === 'unicast';
}
