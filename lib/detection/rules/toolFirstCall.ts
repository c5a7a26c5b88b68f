import type { CloudTrailRecord } from '../record.js';
import type { Rule } from '../types.js';
import { AGENTCORE } from './support.js';
import { accepted, toolCallOf, TOOL_CALL_READS } from './toolCalls.js';

/** gateway × principal, the subject whose tools are learned (undefined: not a tool call to learn). */
function subject(record: CloudTrailRecord): string | undefined {
  const call = toolCallOf(record);
  if (call.gatewayId === undefined || call.principal === undefined) return undefined;
  return `${call.gatewayId}|${call.principal}`;
}

/**
 * A principal calls a gateway tool it never called on that gateway, once it has been observed
 * for the learning period. Only calls the gateway accepted are learned and judged: a refused
 * call runs nothing (the refusal burst rule counts those), and a refused token's claims were
 * never verified.
 */
export const toolFirstCall: Rule = {
  id: 'gateway-tool-first-call',
  title: 'Principal called a gateway tool for the first time',
  severity: 'low',
  mitre: { tactic: 'Execution', technique: 'T1059 Command and Scripting Interpreter' },
  description:
    'A principal (JWT subject, or IAM caller on an AWS_IAM gateway) observed for the learning period called a tool (`<target>___<tool>`) it had never called on that gateway (needs InvokeGateway data events in the trail).',
  runbook:
    'Ask the agent’s owner whether it should use this tool; if not, revoke the client’s credentials or narrow its Cedar policy (`gatewarden tools` recommends one), and review what the call did downstream.',
  events: { sources: [AGENTCORE], names: ['InvokeGateway'] },
  reads: TOOL_CALL_READS,
  dedup: {
    key: (r) => {
      const call = toolCallOf(r);
      return `${call.gatewayId ?? ''}|${call.principal ?? ''}|${call.tool ?? ''}`;
    },
    windowSeconds: 86_400,
  },
  baseline: {
    dimension: 'gateway-principal-tool',
    subject,
    values: (r) => {
      const call = toolCallOf(r);
      return call.tool === undefined || !accepted(call) ? [] : [call.tool];
    },
    learning: true,
  },
  evaluate(record) {
    const call = toolCallOf(record);
    if (call.tool === undefined || call.gatewayId === undefined || call.principal === undefined) {
      return undefined;
    }
    if (!accepted(call)) return undefined;
    return {
      summary: `${call.principal} called tool ${call.tool} on gateway ${call.gatewayId} for the first time`,
      resource: call.gatewayId,
      details: {
        tool: call.tool,
        ...(call.targetId === undefined ? {} : { targetId: call.targetId }),
        ...(call.client === undefined ? {} : { client: call.client }),
      },
    };
  },
};
