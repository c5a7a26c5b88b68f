import type { CloudTrailRecord } from '../record.js';
import type { DetectionContext, Rule } from '../types.js';
import { isLearnedGatewayRole, isListedReader } from './expectedReaders.js';
import {
  SECRETS,
  failed,
  isAgentCoreService,
  isGatewaySecret,
  principalOf,
  secretIdOf,
} from './support.js';

/**
 * Expected readers: AgentCore itself (its service-linked role by its reserved path), a role
 * that was a gateway's execution role when it read (learned from CreateGateway/UpdateGateway,
 * by role ARN), and `secretReaders` (the deployed rotate and rotateNow roles, operator-listed
 * ARNs, ARN entries of rotatorPrincipals). Never a name: anyone allowed iam:CreateRole picks one.
 */
function isExpectedReader(record: CloudTrailRecord, context: DetectionContext): boolean {
  return (
    isAgentCoreService(record) ||
    isListedReader(record, context.secretReaders) ||
    isLearnedGatewayRole(record, context)
  );
}

/** A gateway credential secret read by anyone but a gateway role, AgentCore or the rotator. */
export const secretReadUnexpected: Rule = {
  id: 'secret-read-by-unexpected-principal',
  title: 'Gateway secret read by an unexpected principal',
  severity: 'high',
  mitre: { tactic: 'Credential Access', technique: 'T1555.006 Cloud Secrets Management Stores' },
  description:
    'GetSecretValue on a gatewarden secret or an AgentCore Identity secret by a principal that is neither AgentCore itself (its service-linked role by its /aws-service-role/ path), nor the execution role of one of the account’s gateways (learned from CreateGateway/UpdateGateway and matched on the caller’s role ARN, never a role name), nor a secretReaders ARN (the deployed rotate and rotateNow roles are added from the environment; ARN entries of rotatorPrincipals count too): the credential may be exposed.',
  runbook:
    'Identify the principal and why it read the secret; rotate the secret now (`gatewarden rotate --secret <id>`); tighten the secret resource policy.',
  events: { sources: [SECRETS], names: ['GetSecretValue'] },
  lastState: true,
  reads: ['requestParameters.secretId'],
  dedup: { key: (r) => `${principalOf(r)}|${secretIdOf(r) ?? ''}`, windowSeconds: 3600 },
  evaluate(record, context) {
    if (failed(record)) return undefined;
    const secretId = secretIdOf(record);
    if (secretId === undefined || !isGatewaySecret(secretId)) return undefined;
    if (isExpectedReader(record, context)) return undefined;
    return {
      summary: `gateway secret ${secretId} read by ${principalOf(record)}`,
      resource: secretId,
      details: { secretId },
    };
  },
};
