import { NONE } from '../stateTrackers.js';
import type { Rule, RuleMatch } from '../types.js';
import { gatewayChange } from './lastState.js';
import { AGENTCORE, failed, gatewayIdOf, principalOf } from './support.js';

/**
 * Model: CreateGateway / UpdateGateway `exceptionLevel` (`DEBUG`; omitted = generic error
 * messages to callers).
 */

/** The gateway fields this rule compares. */
const KEYS = ['exceptionLevel'] as const;

export const gatewayExceptionLevelRaised: Rule = {
  id: 'gateway-exception-level-raised',
  title: 'Gateway returns detailed errors to callers',
  severity: 'medium',
  mitre: { tactic: 'Discovery', technique: 'T1082 System Information Discovery' },
  description:
    'A gateway’s exceptionLevel was set to DEBUG (it was not before, or the gateway is new): callers receive granular error messages about targets, credentials and policies, which help an attacker map the gateway. Medium on update, low on create.',
  runbook:
    'Unless the gateway is a development one, remove exceptionLevel (UpdateGateway without it) and confirm the change with the gateway owner.',
  events: { sources: [AGENTCORE], names: ['CreateGateway', 'UpdateGateway'] },
  lastState: true,
  reads: [
    'requestParameters.gatewayIdentifier',
    'requestParameters.authorizerType',
    'requestParameters.roleArn',
    'requestParameters.exceptionLevel',
    'responseElements.gatewayId',
    'responseElements.exceptionLevel',
  ],
  dedup: { key: (r) => gatewayIdOf(r) ?? '', windowSeconds: 86_400 },
  evaluate(record, context): RuleMatch | undefined {
    if (failed(record)) return undefined;
    const change = gatewayChange(record, context, KEYS);
    const after = change?.current.exceptionLevel;
    if (change === undefined || after === undefined || after === NONE) return undefined;
    const before = change.previous?.exceptionLevel;
    // Unknown before: say it once; the same level again is no news.
    if (before === after) return undefined;
    const gatewayId = gatewayIdOf(record) ?? 'unknown';
    return {
      severity: change.created ? 'low' : 'medium',
      summary: `gateway ${gatewayId} exception level set to ${after === 'DEBUG' ? 'DEBUG' : 'a non-default level'} by ${principalOf(record)}`,
      resource: gatewayId,
      details: {
        exceptionLevel: after === 'DEBUG' ? 'DEBUG' : 'other',
        previous: before ?? 'unknown',
      },
      facts: [`exceptionLevel=${after === 'DEBUG' ? 'DEBUG' : 'other'}`],
    };
  },
};
