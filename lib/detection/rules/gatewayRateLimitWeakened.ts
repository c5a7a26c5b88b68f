import { rateLimitChangeOf } from '../rateLimits.js';
import type { Rule, RuleMatch } from '../types.js';
import { AGENTCORE, failed, gatewayIdOf, principalOf } from './support.js';

/**
 * Gateway rate limits removed or loosened by a put or an update, judged against the limits the
 * engine learned from earlier Create/Update/BatchPut calls of the same gateway (see
 * `rateLimits.ts` for the API's behaviour and why a batch put is read from its response).
 * DeleteGatewayRateLimit is gateway-guardrail-removed's.
 *
 * What CloudTrail cannot show: the limits a gateway had before the stream began. A change to a
 * limit first seen in this change is learned, not reported. What is learned is kept in the
 * state store (a cold or another container knows it).
 */
export const gatewayRateLimitWeakened: Rule = {
  id: 'gateway-rate-limit-weakened',
  title: 'Gateway rate limits removed or loosened',
  severity: 'medium',
  mitre: { tactic: 'Defense Evasion', technique: 'T1562 Impair Defenses' },
  description:
    'A BatchPutGatewayRateLimits or UpdateGatewayRateLimit took away throttling the gateway had: a rate limit missing from the resulting set of a batch put (from the request alone when the response is not logged: low, the API documents the put both as an upsert and as a replacement), an entry or a metric removed, a rate raised, or a caller blocked with rate 0 unblocked (high).',
  runbook:
    'Compare the gateway’s limits (ListGatewayRateLimits) with their definition in code; confirm the change with the gateway owner; put the limits back; review InvokeGateway volume per caller since the change.',
  events: {
    sources: [AGENTCORE],
    names: ['BatchPutGatewayRateLimits', 'UpdateGatewayRateLimit', 'CreateGatewayRateLimit'],
  },
  reads: [
    'requestParameters.gatewayIdentifier',
    'requestParameters.rateLimits',
    'responseElements.entries',
    'responseElements.rateLimitId',
    'responseElements.rateLimits',
  ],
  dedup: { key: (r) => gatewayIdOf(r) ?? principalOf(r), windowSeconds: 3600 },
  lastState: true,
  evaluate(record, context): RuleMatch | undefined {
    if (failed(record)) return undefined;
    // Against the limits the gateway had before the record, kept in the state store.
    const change = rateLimitChangeOf(record, context);
    if (change === undefined) return undefined;
    const gatewayId = gatewayIdOf(record) ?? 'unknown';
    const unblocked = change.weakened.some((w) => w.unblocked === true);
    const fromRequest = change.basis === 'request';
    const parts = [
      ...change.removed.map(
        (id) => `limit ${id} ${fromRequest ? 'not in the put (possibly removed)' : 'removed'}`,
      ),
      ...change.weakened.map((w) => `${w.limitId} [${w.entry}] ${w.what}`),
    ];
    const listed = parts.slice(0, 5).join('; ') + (parts.length > 5 ? '; …' : '');
    const onlyPossible = fromRequest && change.weakened.length === 0;
    return {
      severity: unblocked ? 'high' : onlyPossible ? 'low' : 'medium',
      summary: `gateway ${gatewayId} rate limits weakened by ${principalOf(record)}: ${listed}`,
      resource: gatewayId,
      details: {
        removedLimits: change.removed.length,
        weakenedEntries: change.weakened.length,
        ...(change.basis === undefined ? {} : { basis: change.basis }),
      },
      facts: [...change.removed.map((id) => `removed=${id}`), ...(unblocked ? ['unblocked'] : [])],
    };
  },
};
