import type { Rule } from '../types.js';
import { AGENTCORE, failed, gatewayIdOf, obj, param, principalOf, strings } from './support.js';

function allowed(record: Parameters<Rule['evaluate']>[0]): string[] {
  const jwt = obj(param(record, 'authorizerConfiguration', 'customJWTAuthorizer'));
  if (jwt === undefined) return [];
  return [
    ...strings(jwt.allowedClients).map((c) => `client:${c}`),
    ...strings(jwt.allowedAudience).map((a) => `aud:${a}`),
  ];
}

/** New allowed clients or audiences on a known gateway (baseline per gateway). */
export const gatewayClientsWidened: Rule = {
  id: 'gateway-clients-widened',
  title: 'Gateway allowed clients or audiences widened',
  severity: 'high',
  mitre: { tactic: 'Persistence', technique: 'T1556 Modify Authentication Process' },
  description:
    'A gateway authorizer now accepts a client id or audience it did not accept before: a new client can call the gateway tools.',
  runbook:
    'Identify the new client id/audience and its owner; remove it if unapproved and review InvokeGateway calls made with it.',
  events: { sources: [AGENTCORE], names: ['CreateGateway', 'UpdateGateway'] },
  reads: [
    'requestParameters.authorizerConfiguration',
    'requestParameters.gatewayIdentifier',
    'responseElements.gatewayId',
  ],
  dedup: {
    key: (r) => `${gatewayIdOf(r) ?? ''}|${allowed(r).sort().join(',')}`,
    windowSeconds: 86_400,
  },
  baseline: {
    dimension: 'gateway-clients',
    subject: (r) => gatewayIdOf(r),
    values: allowed,
  },
  evaluate(record) {
    if (failed(record)) return undefined;
    const values = allowed(record);
    if (values.length === 0) return undefined;
    const gatewayId = gatewayIdOf(record) ?? 'unknown';
    return {
      summary: `gateway ${gatewayId} allowed clients/audiences changed by ${principalOf(record)}`,
      resource: gatewayId,
      details: { allowedEntries: values.length },
    };
  },
};
