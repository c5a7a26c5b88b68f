import type { Rule } from '../types.js';
import { AGENTCORE, failed, gatewayIdOf, param, principalOf, str } from './support.js';

/**
 * Gateway rules and rate limits deleted. Model (`@aws-sdk/client-bedrock-agentcore-control`):
 * DeleteGatewayRule `{ gatewayIdentifier, ruleId }`, DeleteGatewayRateLimit
 * `{ gatewayIdentifier, rateLimitId }`. Limits removed or loosened through
 * UpdateGatewayRateLimit and BatchPutGatewayRateLimits are gateway-rate-limit-weakened's.
 */
export const gatewayGuardrailRemoved: Rule = {
  id: 'gateway-guardrail-removed',
  title: 'Gateway rule or rate limit deleted',
  severity: 'medium',
  mitre: { tactic: 'Defense Evasion', technique: 'T1562 Impair Defenses' },
  description:
    'A gateway rule (DeleteGatewayRule) or rate limit (DeleteGatewayRateLimit) was deleted: the gateway stops matching, routing or throttling the calls it covered. Deletions by one principal within five minutes become one alert.',
  runbook:
    'Confirm the deletion with the gateway owner; recreate the rule or rate limit from its definition (CloudTrail has the Create or Put call); review InvokeGateway volume since the deletion.',
  events: { sources: [AGENTCORE], names: ['DeleteGatewayRule', 'DeleteGatewayRateLimit'] },
  reads: [
    'requestParameters.gatewayIdentifier',
    'requestParameters.rateLimitId',
    'requestParameters.ruleId',
  ],
  dedup: {
    key: (r) =>
      `${gatewayIdOf(r) ?? ''}|${str(param(r, 'ruleId')) ?? str(param(r, 'rateLimitId')) ?? ''}`,
    windowSeconds: 3600,
  },
  group: { windowSeconds: 300 },
  evaluate(record) {
    if (failed(record)) return undefined;
    const gatewayId = gatewayIdOf(record) ?? 'unknown';
    const rule = record.eventName === 'DeleteGatewayRule';
    const id = str(param(record, rule ? 'ruleId' : 'rateLimitId')) ?? 'unknown';
    return {
      summary: `${rule ? 'rule' : 'rate limit'} ${id} of gateway ${gatewayId} deleted by ${principalOf(record)}`,
      resource: `${gatewayId}/${id}`,
      details: { kind: rule ? 'rule' : 'rateLimit' },
    };
  },
};
