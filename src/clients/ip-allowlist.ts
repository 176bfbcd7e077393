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
  return address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress() ? (address as ipaddr.IPv6).toIPv4Address() : address;
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
    const network = address.kind() === 'ipv4'
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
