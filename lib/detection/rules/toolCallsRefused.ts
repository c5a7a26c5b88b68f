import type { Rule } from '../types.js';
import { AGENTCORE } from './support.js';
import { toolCallOf, TOOL_CALL_READS } from './toolCalls.js';

/**
 * Many refused tool calls by one authenticated principal on one gateway: an agent probing for
 * tools its policy does not allow (prompt injection steering it, a stolen token), or a policy
 * rolled out too narrow. Unauthenticated calls (401) have no verified principal: the
 * `gateway-invoke-auth-failures` rule counts those by client or address.
 */
export const toolCallsRefused: Rule = {
  id: 'gateway-tool-calls-refused',
  title: 'Burst of refused gateway tool calls',
  severity: 'medium',
  mitre: { tactic: 'Discovery', technique: 'T1526 Cloud Service Discovery' },
  description:
    'One principal had at least 10 tool calls refused on one gateway within 10 minutes: HTTP 403, or the policy engine’s denial (`AuthorizeActionException`) when the record keeps its text. Each call counts once, however often it is delivered (needs InvokeGateway data events in the trail).',
  runbook:
    'List the principal’s refused calls (tool, target); if it is not a policy rolled out too narrow (LOG_ONLY first), revoke the client’s credentials and look for what steered the agent (prompt injection in a tool result).',
  events: { sources: [AGENTCORE], names: ['InvokeGateway'] },
  reads: TOOL_CALL_READS,
  threshold: {
    key: (r) => {
      const call = toolCallOf(r);
      return `${call.gatewayId ?? ''}|${call.principal ?? ''}`;
    },
    // Distinct events: a record delivered twice (EventBridge is at least once) counts once.
    member: (r) => r.eventID,
    threshold: 10,
    windowSeconds: 600,
  },
  dedup: {
    key: (r) => {
      const call = toolCallOf(r);
      return `${call.gatewayId ?? ''}|${call.principal ?? ''}`;
    },
    windowSeconds: 3600,
  },
  evaluate(record) {
    const call = toolCallOf(record);
    if (call.gatewayId === undefined || call.principal === undefined) return undefined;
    if (call.method !== 'tools/call') return undefined;
    if (call.refusal !== 'forbidden' && call.refusal !== 'policy') return undefined;
    return {
      summary: `${call.principal} had a burst of tool calls refused on gateway ${call.gatewayId} (last: ${call.tool ?? 'unnamed tool'}, ${call.refusal === 'policy' ? 'policy engine' : 'HTTP 403'})`,
      resource: call.gatewayId,
      details: {
        lastTool: call.tool ?? '',
        refusal: call.refusal,
        ...(call.client === undefined ? {} : { client: call.client }),
      },
    };
  },
};
