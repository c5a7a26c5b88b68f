import type { Rule } from '../types.js';
import { AGENTCORE, failed, gatewayIdOf, param, principalOf, response, str } from './support.js';

/** Any gateway target create/update/delete. */
export const gatewayTargetModified: Rule = {
  id: 'gateway-target-modified',
  title: 'Gateway target created, updated or deleted',
  severity: 'low',
  mitre: { tactic: 'Persistence', technique: 'T1098 Account Manipulation' },
  description:
    'A gateway target (the Lambda, API or MCP server a tool call reaches, and the credentials it uses) was created, updated or deleted.',
  runbook:
    'Confirm the change with the gateway owner; check the target endpoint and credential provider; revert if unplanned.',
  events: {
    sources: [AGENTCORE],
    names: ['CreateGatewayTarget', 'UpdateGatewayTarget', 'DeleteGatewayTarget'],
  },
  reads: [
    'requestParameters.gatewayIdentifier',
    'requestParameters.targetId',
    'responseElements.targetId',
  ],
  dedup: {
    key: (r) => `${principalOf(r)}|${gatewayIdOf(r) ?? ''}|${r.eventName}`,
    windowSeconds: 3600,
  },
  evaluate(record) {
    if (failed(record)) return undefined;
    const gatewayId = gatewayIdOf(record) ?? 'unknown';
    const targetId = str(param(record, 'targetId')) ?? str(response(record, 'targetId')) ?? 'new';
    const verb = record.eventName.replace('GatewayTarget', '').toLowerCase();
    return {
      severity: record.eventName === 'DeleteGatewayTarget' ? 'medium' : 'low',
      summary: `target ${targetId} of gateway ${gatewayId} ${verb}d by ${principalOf(record)}`,
      resource: `${gatewayId}/${targetId}`,
    };
  },
};
