import { isIPv4, isIPv6 } from 'node:net';
import type { CloudTrailRecord } from '../record.js';
import type { Rule } from '../types.js';
import { AGENTCORE, isGatewayManagement, principalOf, stableCaller } from './support.js';

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
  if (isIPv6(bare) && !bare.includes('.')) {
    const prefix = hextets(bare.toLowerCase())
      .slice(0, 3)
      .map((h) => h.replace(/^0+(?=.)/, ''));
    return `${prefix.join(':')}::/48`;
  }
  return undefined;
}

/** A gateway manager acting from a network never seen for it (after learning). */
export const newSourceIp: Rule = {
  id: 'gateway-manager-new-source-ip',
  title: 'Gateway manager acting from a new source IP',
  severity: 'low',
  mitre: { tactic: 'Initial Access', technique: 'T1078.004 Valid Accounts: Cloud Accounts' },
  description:
    'A principal that manages gateways made a management call from a network (IPv4 /24, IPv6 /48) it never used during the baseline.',
  runbook:
    'Check the IP (VPN, office, CI runner?); if unknown, revoke the principal’s sessions and review the call.',
  events: { sources: [AGENTCORE] },
  dedup: {
    key: (r) => `${stableCaller(r)}|${sourceNetwork(r.sourceIPAddress) ?? ''}`,
    windowSeconds: 86_400,
  },
  baseline: {
    dimension: 'principal-network',
    subject: stableCaller,
    values: (r) => {
      const network = sourceNetwork(r.sourceIPAddress);
      return network === undefined ? [] : [network];
    },
    learning: true,
  },
  evaluate(record: CloudTrailRecord) {
    if (!isGatewayManagement(record)) return undefined;
    const network = sourceNetwork(record.sourceIPAddress);
    if (network === undefined) return undefined;
    return {
      summary: `${principalOf(record)} called ${record.eventName} from new network ${network} (${record.sourceIPAddress ?? ''})`,
      details: { sourceIp: record.sourceIPAddress ?? '', network },
    };
  },
};
