import { isIPv4, isIPv6 } from 'node:net';

/**
 * Source addresses as CloudTrail logs them: an IPv4 or IPv6 address, or not an address at all
 * (an AWS service host name, `AWS Internal`). Baselines compare networks, not hosts.
 */

/** Hextets of an IPv6 address, `::` expanded (input already validated by isIPv6). */
function hextets(address: string): string[] {
  const [head = '', tail] = address.split('::');
  const left = head === '' ? [] : head.split(':');
  if (tail === undefined) return left;
  const right = tail === '' ? [] : tail.split(':');
  return [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
}

/**
 * The network a source address belongs to: IPv4 by /24, IPv6 by /48 (one site, one ISP
 * customer), so DHCP and NAT pools do not look new. Undefined when the "address" is not one:
 * an AWS service host name (`secretsmanager.amazonaws.com`), `AWS Internal`, empty.
 */
export function sourceNetwork(sourceIp: string | undefined): string | undefined {
  if (sourceIp === undefined) return undefined;
  let ip = sourceIp.trim();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)?.[1];
  if (mapped !== undefined) ip = mapped;
  if (isIPv4(ip)) return `${ip.split('.').slice(0, 3).join('.')}.0/24`;
  const bare = ip.split('%')[0] ?? ip;
  if (isIPv6(bare) && !bare.includes('.')) return ipv6Prefix(bare, 48);
  return undefined;
}

/** The /`bits` prefix (a multiple of 16) of a valid IPv6 address, as `2001:db8:4f2a::/48`. */
export function ipv6Prefix(address: string, bits: 16 | 32 | 48 | 64): string {
  const prefix = hextets(address.toLowerCase())
    .slice(0, bits / 16)
    .map((h) => h.replace(/^0+(?=.)/, ''));
  return `${prefix.join(':')}::/${bits}`;
}
