import type { Rule } from '../types.js';
import { AGENTCORE } from './support.js';
import { accepted, toolCallOf, TOOL_CALL_READS } from './toolCalls.js';

/**
 * A JWT client (`client_id`, `azp`, Okta's `cid`) never seen on a gateway calls it, once the
 * gateway's clients have been observed for the learning period. Only accepted calls count: the
 * claims of a refused token were never verified, so anyone could write them.
 */
export const gatewayNewClient: Rule = {
  id: 'gateway-new-jwt-client',
  title: 'New JWT client calling a gateway',
  severity: 'medium',
  mitre: { tactic: 'Initial Access', technique: 'T1078.004 Valid Accounts: Cloud Accounts' },
  description:
    'A gateway observed for the learning period accepted a call from a JWT client (client_id/azp) it had never seen: a new agent, or an IdP client the gateway was widened to or that was created at the issuer (needs InvokeGateway data events in the trail).',
  runbook:
    'Check that the client is a known agent (its owner, when it was registered at the IdP); if not, remove it from the gateway’s allowedClients, disable it at the IdP and review what it called.',
  events: { sources: [AGENTCORE], names: ['InvokeGateway'] },
  reads: TOOL_CALL_READS,
  dedup: {
    key: (r) => {
      const call = toolCallOf(r);
      return `${call.gatewayId ?? ''}|${call.client ?? ''}`;
    },
    windowSeconds: 86_400,
  },
  baseline: {
    dimension: 'gateway-client',
    subject: (r) => toolCallOf(r).gatewayId,
    values: (r) => {
      const call = toolCallOf(r);
      return call.client === undefined || !accepted(call) ? [] : [call.client];
    },
    learning: true,
  },
  evaluate(record) {
    const call = toolCallOf(record);
    if (call.gatewayId === undefined || call.client === undefined || !accepted(call)) {
      return undefined;
    }
    return {
      summary: `gateway ${call.gatewayId} accepted a call from JWT client ${call.client}, never seen on it before`,
      resource: call.gatewayId,
      details: {
        client: call.client,
        method: call.method ?? '',
        ...(call.principal === undefined ? {} : { principal: call.principal }),
      },
      facts: [`client=${call.client}`],
    };
  },
};
