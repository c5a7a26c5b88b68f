import type { Rule } from '../types.js';
import {
  AGENTCORE,
  gatewayIdOf,
  isGatewayManagement,
  principalOf,
  stableCaller,
} from './support.js';

/** A principal performs a gateway management action it never performed (after learning). */
export const firstTimeGatewayAction: Rule = {
  id: 'first-time-gateway-action',
  title: 'First-time gateway action by a principal',
  severity: 'low',
  mitre: { tactic: 'Persistence', technique: 'T1098 Account Manipulation' },
  description:
    'A principal observed for the learning period performed a gateway management action it had never performed before.',
  runbook:
    'Ask the principal’s owner whether the action was intended; if not, review the gateway change and the principal’s other recent activity.',
  events: { sources: [AGENTCORE] },
  reads: ['requestParameters.gatewayIdentifier'],
  dedup: { key: (r) => `${stableCaller(r)}|${r.eventName}`, windowSeconds: 86_400 },
  baseline: {
    dimension: 'principal-action',
    subject: stableCaller,
    values: (r) => [r.eventName],
    learning: true,
  },
  evaluate(record) {
    if (!isGatewayManagement(record)) return undefined;
    const gatewayId = gatewayIdOf(record);
    return {
      summary: `${principalOf(record)} called ${record.eventName} for the first time`,
      ...(gatewayId ? { resource: gatewayId } : {}),
    };
  },
};
