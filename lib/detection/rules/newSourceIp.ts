import type { Rule } from '../types.js';
import { AGENTCORE, isGatewayManagement, principalOf, stableCaller } from './support.js';

/** A gateway manager acting from a source IP never seen for it (after learning). */
export const newSourceIp: Rule = {
  id: 'gateway-manager-new-source-ip',
  title: 'Gateway manager acting from a new source IP',
  severity: 'low',
  mitre: { tactic: 'Initial Access', technique: 'T1078.004 Valid Accounts: Cloud Accounts' },
  description:
    'A principal that manages gateways made a management call from an IP address it never used during the baseline.',
  runbook:
    'Check the IP (VPN, office, CI runner?); if unknown, revoke the principal’s sessions and review the call.',
  events: { sources: [AGENTCORE] },
  dedup: { key: (r) => `${stableCaller(r)}|${r.sourceIPAddress ?? ''}`, windowSeconds: 86_400 },
  baseline: {
    dimension: 'principal-ip',
    subject: stableCaller,
    values: (r) => (r.sourceIPAddress ? [r.sourceIPAddress] : []),
    learning: true,
  },
  evaluate(record) {
    if (!isGatewayManagement(record) || record.sourceIPAddress === undefined) return undefined;
    return {
      summary: `${principalOf(record)} called ${record.eventName} from new source IP ${record.sourceIPAddress}`,
      details: { sourceIp: record.sourceIPAddress },
    };
  },
};
