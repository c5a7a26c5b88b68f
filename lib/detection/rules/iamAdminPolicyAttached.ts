import type { Rule } from '../types.js';
import { isAdminManagedPolicy, isAdminStatement, policyStatements } from './policy.js';
import { IAM, failed, isGatewayRoleName, param, principalOf, str } from './support.js';

const ATTACH = ['AttachRolePolicy', 'AttachUserPolicy', 'AttachGroupPolicy'];
const PUT = ['PutRolePolicy', 'PutUserPolicy', 'PutGroupPolicy'];

/** An admin-equivalent managed policy attached, or a wildcard inline policy put, on an identity. */
export const iamAdminPolicyAttached: Rule = {
  id: 'iam-admin-policy-attached',
  title: 'Admin or wildcard policy attached to an IAM identity',
  severity: 'high',
  mitre: { tactic: 'Privilege Escalation', technique: 'T1098 Account Manipulation' },
  description:
    'AdministratorAccess (or a similar managed policy) was attached, or an inline policy allowing `*` actions was put, on a user, group or role.',
  runbook:
    'Confirm the grant is approved; replace it with a least-privilege policy; if the identity is a gateway role, treat as critical and review what the gateway did since.',
  events: { sources: [IAM], names: [...ATTACH, ...PUT] },
  reads: [
    'requestParameters.policyArn',
    'requestParameters.policyDocument',
    'requestParameters.policyName',
    'requestParameters.roleName',
    'requestParameters.userName',
  ],
  dedup: {
    key: (r) =>
      `${str(param(r, 'roleName')) ?? str(param(r, 'userName')) ?? str(param(r, 'groupName')) ?? ''}|${str(param(r, 'policyArn')) ?? str(param(r, 'policyName')) ?? ''}`,
    windowSeconds: 3600,
  },
  evaluate(record, context) {
    if (failed(record)) return undefined;
    const role = str(param(record, 'roleName'));
    const target =
      role ?? str(param(record, 'userName')) ?? str(param(record, 'groupName')) ?? 'unknown';
    let what: string;
    if (ATTACH.includes(record.eventName)) {
      const policyArn = str(param(record, 'policyArn'));
      if (policyArn === undefined || !isAdminManagedPolicy(policyArn)) return undefined;
      what = policyArn.split('/').pop() ?? policyArn;
    } else {
      const statements = policyStatements(param(record, 'policyDocument'));
      if (!statements.some(isAdminStatement)) return undefined;
      what = `inline policy ${str(param(record, 'policyName')) ?? ''} with wildcard actions`.trim();
    }
    const gatewayRole = role !== undefined && isGatewayRoleName(role, context);
    return {
      severity: gatewayRole ? 'critical' : 'high',
      summary: `${what} granted to ${target} by ${principalOf(record)}${gatewayRole ? ' (gateway role)' : ''}`,
      resource: target,
      details: { operation: record.eventName, gatewayRole },
    };
  },
};
