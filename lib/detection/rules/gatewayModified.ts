import type { Rule } from '../types.js';
import { AGENTCORE, failed, gatewayIdOf, principalOf } from './support.js';

/** Any gateway create/update/delete: the audit trail of gateway management. */
export const gatewayModified: Rule = {
  id: 'gateway-modified',
  title: 'AgentCore gateway created, updated or deleted',
  severity: 'low',
  mitre: { tactic: 'Persistence', technique: 'T1098 Account Manipulation' },
  description:
    'A gateway was created, updated or deleted. Gateways expose tools to agents; every change to one should be planned.',
  runbook:
    'Confirm the change with the gateway owner; compare the new configuration (authorizer, role, targets) with the approved one; revert and rotate its credentials if unplanned.',
  events: { sources: [AGENTCORE], names: ['CreateGateway', 'UpdateGateway', 'DeleteGateway'] },
  reads: ['requestParameters.gatewayIdentifier'],
  dedup: {
    key: (r) => `${principalOf(r)}|${gatewayIdOf(r) ?? ''}|${r.eventName}`,
    windowSeconds: 3600,
  },
  evaluate(record) {
    if (failed(record)) return undefined;
    const gatewayId = gatewayIdOf(record) ?? 'unknown';
    const verb = record.eventName.replace('Gateway', '').toLowerCase();
    return {
      severity: record.eventName === 'DeleteGateway' ? 'medium' : 'low',
      summary: `gateway ${gatewayId} ${verb}d by ${principalOf(record)}`,
      resource: gatewayId,
    };
  },
};
