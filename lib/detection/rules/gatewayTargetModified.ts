import type { Rule } from '../types.js';
import { AGENTCORE, failed, gatewayIdOf, param, principalOf, response, str } from './support.js';

/**
 * Any gateway target create/update/delete, and SynchronizeGatewayTargets (model: `{gatewayIdentifier,
 * targetIdList}`): the targets' tool lists are read again from their endpoints, so the tools the
 * gateway exposes can change without any target update.
 */
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
    names: [
      'CreateGatewayTarget',
      'UpdateGatewayTarget',
      'DeleteGatewayTarget',
      'SynchronizeGatewayTargets',
    ],
  },
  reads: [
    'requestParameters.gatewayIdentifier',
    'requestParameters.targetId',
    'requestParameters.targetIdList',
    'responseElements.targetId',
  ],
  dedup: {
    key: (r) => `${principalOf(r)}|${gatewayIdOf(r) ?? ''}|${r.eventName}`,
    windowSeconds: 3600,
  },
  evaluate(record) {
    if (failed(record)) return undefined;
    const gatewayId = gatewayIdOf(record) ?? 'unknown';
    if (record.eventName === 'SynchronizeGatewayTargets') {
      const list = param(record, 'targetIdList');
      const ids = Array.isArray(list)
        ? list.filter((id): id is string => typeof id === 'string')
        : [];
      const shown =
        ids.length > 0 ? ids.slice(0, 5).join(', ') + (ids.length > 5 ? ', …' : '') : 'all';
      return {
        severity: 'low',
        summary: `tools of target(s) ${shown} of gateway ${gatewayId} synchronized by ${principalOf(record)}`,
        resource: gatewayId,
      };
    }
    const targetId = str(param(record, 'targetId')) ?? str(response(record, 'targetId')) ?? 'new';
    const verb = record.eventName.replace('GatewayTarget', '').toLowerCase();
    return {
      severity: record.eventName === 'DeleteGatewayTarget' ? 'medium' : 'low',
      summary: `target ${targetId} of gateway ${gatewayId} ${verb}d by ${principalOf(record)}`,
      resource: `${gatewayId}/${targetId}`,
    };
  },
};
