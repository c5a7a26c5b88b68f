import type { CloudTrailRecord } from '../record.js';
import type { Rule } from '../types.js';
import { AGENTCORE, isGatewayManagement, principalOf, stableCaller } from './support.js';
import { sourceNetwork } from './sourceAddress.js';

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
  reads: [],
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
