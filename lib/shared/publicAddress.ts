import { BlockList, isIP } from 'node:net';

/**
 * Whether an address is one a request to an endpoint configured from data (a chat webhook URL
 * in a secret) may reach. Anything that is not a public unicast address is refused: loopback
 * (the Lambda runtime API listens there), private networks, link-local (the instance metadata
 * service at 169.254.169.254, fd00:ec2::254), carrier-grade NAT, unique-local, unspecified,
 * multicast, broadcast and reserved ranges, documentation and benchmarking ranges — and IPv6
 * forms that carry an IPv4 address (IPv4-mapped, IPv4-compatible, NAT64, 6to4) when the IPv4
 * address is one of those. Fails closed: what cannot be parsed is not public.
 */
export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return !IPV4_REFUSED.check(address, 'ipv4');
  if (family === 6) return isPublicIpv6(address);
  return false;
}

/** IPv4 ranges that are not public unicast (RFC 6890 and its updates). */
const IPV4_REFUSED = blockList('ipv4', [
  ['0.0.0.0', 8], // "this network", unspecified
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local, instance metadata
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.88.99.0', 24], // 6to4 relay anycast
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation
  ['203.0.113.0', 24], // documentation
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
]);

/** IPv6 ranges inside global unicast (2000::/3) that are not public anyway. */
const IPV6_REFUSED = blockList('ipv6', [
  ['2001::', 23], // IETF protocol assignments (Teredo, benchmarking, ORCHID)
  ['2001:db8::', 32], // documentation
  ['3fff::', 20], // documentation
]);

function blockList(family: 'ipv4' | 'ipv6', ranges: [string, number][]): BlockList {
  const list = new BlockList();
  for (const [network, prefix] of ranges) list.addSubnet(network, prefix, family);
  return list;
}

function isPublicIpv6(address: string): boolean {
  const words = hextets(address);
  if (words === undefined) return false;
  const [a = 0, b = 0, c = 0, d = 0, e = 0, f = 0, g = 0, h = 0] = words;
  const embedded = (high: number, low: number): string =>
    `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;
  // IPv4-mapped ::ffff:0:0/96 and IPv4-compatible ::/96 (:: and ::1 fall in here and are
  // refused as 0.0.0.0/8): the IPv4 address decides.
  if (a === 0 && b === 0 && c === 0 && d === 0 && e === 0 && (f === 0xffff || f === 0)) {
    return isPublicAddress(embedded(g, h));
  }
  // NAT64 well-known prefix 64:ff9b::/96: the IPv4 address decides; the local-use 64:ff9b:1::/48
  // translates to whatever the network says, so it is refused.
  if (a === 0x64 && b === 0xff9b) {
    return c === 0 && d === 0 && e === 0 && f === 0 && isPublicAddress(embedded(g, h));
  }
  // Only global unicast is public; that excludes unique-local fc00::/7 (fd00:ec2::254, the
  // metadata service), link-local fe80::/10, site-local, multicast ff00::/8 and the rest.
  if ((a & 0xe000) !== 0x2000) return false;
  // 6to4 2002::/16 carries an IPv4 address in its next 32 bits.
  if (a === 0x2002) return isPublicAddress(embedded(b, c));
  return !IPV6_REFUSED.check(address, 'ipv6');
}

/** The eight 16-bit words of an IPv6 address (dotted-quad tails and `::` expanded). */
function hextets(address: string): number[] | undefined {
  let host: string;
  try {
    // The WHATWG parser validates and normalises (an IPv4 tail becomes two hex words).
    host = new URL(`http://[${address}]/`).hostname.slice(1, -1);
  } catch {
    return undefined;
  }
  const [head = '', tail] = host.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const fill =
    tail === undefined ? [] : new Array<string>(8 - left.length - right.length).fill('0');
  const words = [...left, ...fill, ...right].map((word) => Number.parseInt(word, 16));
  return words.length === 8 && words.every((w) => Number.isInteger(w)) ? words : undefined;
}
