import { NONE } from '../stateTrackers.js';
import type { Rule, RuleMatch } from '../types.js';
import { gatewayChange } from './lastState.js';
import { AGENTCORE, failed, gatewayIdOf, principalOf } from './support.js';

/**
 * Model: UpdateGateway `wafConfiguration { failureMode: FAIL_OPEN | FAIL_CLOSE }` (the web ACL
 * itself is associated through WAFv2 on the gateway ARN; the response names it as
 * `webAclArn`). UpdateGateway is a full replace: a whole request without the block removes it.
 */

/** The gateway fields this rule compares. */
const KEYS = ['wafFailureMode'] as const;

export const gatewayWafWeakened: Rule = {
  id: 'gateway-waf-weakened',
  title: 'Gateway WAF configuration removed or set to fail open',
  severity: 'high',
  mitre: { tactic: 'Defense Evasion', technique: 'T1562 Impair Defenses' },
  description:
    'A gateway’s wafConfiguration was removed (an UpdateGateway without it, on a gateway last seen with one: high) or its failureMode set to FAIL_OPEN (requests pass whenever AWS WAF cannot be evaluated: high on update, medium on create).',
  runbook:
    'Put the gateway’s wafConfiguration back with failureMode FAIL_CLOSE; check the web ACL association (WAFv2 GetWebACLForResource on the gateway ARN); confirm the change with the gateway owner.',
  events: { sources: [AGENTCORE], names: ['CreateGateway', 'UpdateGateway'] },
  lastState: true,
  reads: [
    'requestParameters.gatewayIdentifier',
    'requestParameters.authorizerType',
    'requestParameters.roleArn',
    'requestParameters.wafConfiguration',
    'responseElements.gatewayId',
    'responseElements.wafConfiguration',
  ],
  dedup: { key: (r) => gatewayIdOf(r) ?? '', windowSeconds: 3600 },
  evaluate(record, context): RuleMatch | undefined {
    if (failed(record)) return undefined;
    const change = gatewayChange(record, context, KEYS);
    const after = change?.current.wafFailureMode;
    if (change === undefined || after === undefined) return undefined;
    const before = change.previous?.wafFailureMode;
    const gatewayId = gatewayIdOf(record) ?? 'unknown';
    const who = principalOf(record);
    if (after === NONE && before !== undefined && before !== NONE) {
      return {
        summary: `gateway ${gatewayId} WAF configuration removed (update without wafConfiguration) by ${who}`,
        resource: gatewayId,
        details: { wafConfiguration: 'removed', previousFailureMode: before },
        facts: ['waf=removed'],
      };
    }
    if (after === 'FAIL_OPEN' && before !== 'FAIL_OPEN') {
      return {
        severity: change.created ? 'medium' : 'high',
        summary: `gateway ${gatewayId} WAF failure mode set to FAIL_OPEN by ${who}`,
        resource: gatewayId,
        details: { failureMode: 'FAIL_OPEN', previousFailureMode: before ?? 'unknown' },
        facts: ['waf=FAIL_OPEN'],
      };
    }
    return undefined;
  },
};
