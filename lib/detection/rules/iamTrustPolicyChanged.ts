import type { Rule } from '../types.js';
import { externalPrincipals, trustsAgentCore } from './policy.js';
import { IAM, failed, isGatewayRoleName, param, principalOf, str } from './support.js';

/**
 * A role's trust policy changed. High when it trusts another account (or `*`), or when the
 * role is a gateway role (trusted by bedrock-agentcore, by name, or learned).
 */
export const iamTrustPolicyChanged: Rule = {
  id: 'iam-trust-policy-changed',
  title: 'IAM role trust policy changed',
  severity: 'medium',
  mitre: { tactic: 'Persistence', technique: 'T1098.003 Additional Cloud Roles' },
  description:
    'UpdateAssumeRolePolicy changed who can assume a role. A new principal from another account, or any change to a gateway execution role, can hand its permissions to someone else.',
  runbook:
    'Diff the new trust policy against the approved one; remove foreign principals; for gateway roles keep only bedrock-agentcore.amazonaws.com with aws:SourceAccount/aws:SourceArn conditions.',
  events: { sources: [IAM], names: ['UpdateAssumeRolePolicy'] },
  reads: ['requestParameters.policyDocument', 'requestParameters.roleName'],
  dedup: { key: (r) => `${str(param(r, 'roleName')) ?? ''}`, windowSeconds: 3600 },
  evaluate(record, context) {
    if (failed(record)) return undefined;
    const role = str(param(record, 'roleName')) ?? 'unknown role';
    const document = param(record, 'policyDocument');
    const external = externalPrincipals(document, record, context);
    const gatewayRole = trustsAgentCore(document) || isGatewayRoleName(role, context);
    const severity = external.includes('*')
      ? 'critical'
      : external.length > 0 || gatewayRole
        ? 'high'
        : 'medium';
    const why =
      external.length > 0
        ? `now trusts ${external.join(', ')}`
        : gatewayRole
          ? 'is a gateway role'
          : 'trust policy changed';
    return {
      severity,
      summary: `trust policy of role ${role} changed by ${principalOf(record)}: ${why}`,
      resource: role,
      details: { externalPrincipals: external.length, gatewayRole },
      facts: external.map((p) => `principal=${p}`),
    };
  },
};
