import type { Rule } from '../types.js';
import {
  SECRETS,
  failed,
  isExpectedSecretReader,
  isGatewaySecret,
  principalOf,
  secretIdOf,
} from './support.js';

/** A gateway credential secret read by anyone but the gateway role, AgentCore or the rotator. */
export const secretReadUnexpected: Rule = {
  id: 'secret-read-by-unexpected-principal',
  title: 'Gateway secret read by an unexpected principal',
  severity: 'high',
  mitre: { tactic: 'Credential Access', technique: 'T1555.006 Cloud Secrets Management Stores' },
  description:
    'GetSecretValue on a gatewarden secret or an AgentCore Identity secret by a principal that is not the gateway role, AgentCore or the gatewarden rotator: the credential may be exposed.',
  runbook:
    'Identify the principal and why it read the secret; rotate the secret now (`gatewarden rotate --secret <id>`); tighten the secret resource policy.',
  events: { sources: [SECRETS], names: ['GetSecretValue'] },
  reads: ['requestParameters.secretId'],
  dedup: { key: (r) => `${principalOf(r)}|${secretIdOf(r) ?? ''}`, windowSeconds: 3600 },
  evaluate(record, context) {
    if (failed(record)) return undefined;
    const secretId = secretIdOf(record);
    if (secretId === undefined || !isGatewaySecret(secretId)) return undefined;
    if (isExpectedSecretReader(record, context)) return undefined;
    return {
      summary: `gateway secret ${secretId} read by ${principalOf(record)}`,
      resource: secretId,
      details: { secretId },
    };
  },
};
