import type { Rule } from '../types.js';
import { AGENTCORE, failed, param, principalOf, str } from './support.js';

/** A resource policy put on (or removed from) an AgentCore gateway. */
export const gatewayResourcePolicy: Rule = {
  id: 'gateway-resource-policy-changed',
  title: 'Gateway resource policy changed',
  severity: 'high',
  mitre: { tactic: 'Persistence', technique: 'T1098 Account Manipulation' },
  description:
    'A resource-based policy on an AgentCore gateway was put or deleted: it decides which principals may invoke or manage the gateway.',
  runbook:
    'Read the new policy (GetResourcePolicy); remove principals outside the organisation; confirm the change with the gateway owner.',
  events: { sources: [AGENTCORE], names: ['PutResourcePolicy', 'DeleteResourcePolicy'] },
  dedup: { key: (r) => `${str(param(r, 'resourceArn')) ?? ''}`, windowSeconds: 3600 },
  evaluate(record) {
    if (failed(record)) return undefined;
    const arn = str(param(record, 'resourceArn')) ?? 'unknown resource';
    return {
      summary: `resource policy ${record.eventName === 'PutResourcePolicy' ? 'put on' : 'deleted from'} ${arn} by ${principalOf(record)}`,
      resource: arn,
    };
  },
};
