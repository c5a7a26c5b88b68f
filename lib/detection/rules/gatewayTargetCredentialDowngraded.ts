import type { Rule } from '../types.js';
import {
  AGENTCORE,
  failed,
  gatewayIdOf,
  obj,
  param,
  principalOf,
  response,
  str,
} from './support.js';

/**
 * Outbound credential types that hand the target the caller's own credentials instead of
 * the gateway's scoped ones. Model (`@aws-sdk/client-bedrock-agentcore-control`):
 * Create/UpdateGatewayTarget `credentialProviderConfigurations[].credentialProviderType`,
 * one of `GATEWAY_IAM_ROLE` | `OAUTH` | `API_KEY` | `CALLER_IAM_CREDENTIALS` | `JWT_PASSTHROUGH`.
 */
const PASSTHROUGH = new Set(['JWT_PASSTHROUGH', 'CALLER_IAM_CREDENTIALS']);

/** A gateway target set to forward the caller's JWT or IAM credentials to its endpoint. */
export const gatewayTargetCredentialDowngraded: Rule = {
  id: 'gateway-target-credential-downgraded',
  title: 'Gateway target credential type downgraded',
  severity: 'medium',
  mitre: { tactic: 'Defense Evasion', technique: 'T1550 Use Alternate Authentication Material' },
  description:
    'A gateway target was created (medium) or updated (high) with credentialProviderType JWT_PASSTHROUGH or CALLER_IAM_CREDENTIALS: the target endpoint receives the inbound token or the caller’s IAM credentials instead of a gateway-scoped credential, and can replay them wherever they are valid.',
  runbook:
    'Confirm with the gateway owner that the target must act as the caller; check the endpoint is owned by the organisation; otherwise put back GATEWAY_IAM_ROLE, OAUTH or API_KEY and revoke tokens of callers who used the target since.',
  events: { sources: [AGENTCORE], names: ['CreateGatewayTarget', 'UpdateGatewayTarget'] },
  reads: [
    'requestParameters.credentialProviderConfigurations',
    'requestParameters.gatewayIdentifier',
    'requestParameters.targetId',
    'responseElements.targetId',
  ],
  dedup: {
    key: (r) =>
      `${gatewayIdOf(r) ?? ''}|${str(param(r, 'targetId')) ?? str(response(r, 'targetId')) ?? ''}`,
    windowSeconds: 3600,
  },
  evaluate(record) {
    if (failed(record)) return undefined;
    const configurations = param(record, 'credentialProviderConfigurations');
    if (!Array.isArray(configurations)) return undefined;
    const types = new Set<string>();
    for (const configuration of configurations) {
      const type = str(obj(configuration)?.credentialProviderType);
      if (type !== undefined && PASSTHROUGH.has(type)) types.add(type);
    }
    if (types.size === 0) return undefined;
    const gatewayId = gatewayIdOf(record) ?? 'unknown';
    const targetId = str(param(record, 'targetId')) ?? str(response(record, 'targetId')) ?? 'new';
    const update = record.eventName === 'UpdateGatewayTarget';
    const list = [...types].sort();
    return {
      severity: update ? 'high' : 'medium',
      summary: `target ${targetId} of gateway ${gatewayId} ${update ? 'updated' : 'created'} to forward caller credentials (${list.join(', ')}) by ${principalOf(record)}`,
      resource: `${gatewayId}/${targetId}`,
      details: { credentialProviderType: list.join(',') },
      facts: list.map((type) => `credentialProviderType=${type}`),
    };
  },
};
