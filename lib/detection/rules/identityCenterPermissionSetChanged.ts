import type { CloudTrailRecord } from '../record.js';
import type { Rule, RuleMatch } from '../types.js';
import { byAutomation } from './lastState.js';
import { isAdminManagedPolicy, isAdminStatement, policyStatements } from './policy.js';
import { denied, failed, param, principalOf, str } from './support.js';

/**
 * IAM Identity Center permission sets and assignments (SigmaHQ
 * aws_iam_identity_center_permission_set_privilege_escalation, after Permiso's report on
 * GUI-vil): from the management or delegated administrator account, a permission set granting
 * AdministratorAccess assigned to a user the actor controls is administrator access in every
 * account it is assigned to. Identity Center records its admin API under `sso.amazonaws.com`,
 * request members in camelCase (`permissionSetArn`, `managedPolicyArn`, `inlinePolicy`,
 * `targetId`, `principalId`).
 */
const CHANGES: Record<string, string> = {
  CreatePermissionSet: 'permission set created',
  UpdatePermissionSet: 'permission set changed',
  AttachManagedPolicyToPermissionSet: 'managed policy attached to a permission set',
  AttachCustomerManagedPolicyReferenceToPermissionSet:
    'customer managed policy attached to a permission set',
  PutInlinePolicyToPermissionSet: 'inline policy put on a permission set',
  DeletePermissionsBoundaryFromPermissionSet: 'permissions boundary removed from a permission set',
  // Replacing the boundary with a wider policy lifts it as removing it does.
  PutPermissionsBoundaryToPermissionSet: 'permissions boundary replaced on a permission set',
  CreateAccountAssignment: 'permission set assigned in an account',
  ProvisionPermissionSet: 'permission set provisioned to accounts',
};

export const identityCenterPermissionSetChanged: Rule = {
  id: 'identity-center-permission-set-changed',
  title: 'IAM Identity Center permission set or assignment changed',
  severity: 'high',
  mitre: { tactic: 'Privilege Escalation', technique: 'T1098 Account Manipulation' },
  description:
    'An administrator policy attached to a permission set (AdministratorAccess and the like, or an inline policy allowing `*`): high. A permission set assigned to a user or group in an account (CreateAccountAssignment), another managed or customer managed policy attached, an inline policy put, a permissions boundary removed or replaced (a wider boundary lifts it just the same): medium. A permission set created, changed or provisioned: low. Made by CloudFormation with a listed role or a configured automation principal: not reported. A refused attempt is low.',
  runbook:
    'In Identity Center, open the permission set and its assignments: confirm the change was approved, remove assignments nobody asked for (DeleteAccountAssignment), re-provision the previous policies, and review the assigned principals’ sessions in the accounts since.',
  events: { sources: ['sso.amazonaws.com'], names: Object.keys(CHANGES) },
  reads: [
    'requestParameters.inlinePolicy',
    'requestParameters.managedPolicyArn',
    'requestParameters.permissionSetArn',
    'requestParameters.principalId',
    'requestParameters.principalType',
    'requestParameters.targetId',
  ],
  dedup: {
    key: (r) =>
      `${str(param(r, 'permissionSetArn')) ?? ''}|${r.eventName}|${str(param(r, 'targetId')) ?? ''}|${str(param(r, 'principalId')) ?? ''}${failed(r) ? '|attempt' : ''}`,
    windowSeconds: 3600,
  },
  evaluate(record, context): RuleMatch | undefined {
    const attempt = denied(record);
    if (failed(record) && !attempt) return undefined;
    const what = CHANGES[record.eventName];
    if (what === undefined) return undefined;
    if (!attempt && byAutomation(record, context)) return undefined;
    const admin = grantsAdmin(record);
    const severity = attempt
      ? 'low'
      : admin
        ? 'high'
        : ['CreatePermissionSet', 'UpdatePermissionSet', 'ProvisionPermissionSet'].includes(
              record.eventName,
            )
          ? 'low'
          : 'medium';
    const permissionSet = str(param(record, 'permissionSetArn'));
    const target = str(param(record, 'targetId'));
    const grantee = str(param(record, 'principalId'));
    return {
      severity,
      summary: `${attempt ? 'refused attempt: ' : ''}Identity Center ${what}${admin ? ' (administrator access)' : ''}${target ? ` in account ${target}` : ''}${grantee ? ` for ${str(param(record, 'principalType'))?.toLowerCase() ?? 'principal'} ${grantee}` : ''} by ${principalOf(record)}`,
      resource: permissionSet ?? `identitycenter:${record.awsRegion ?? ''}`,
      details: { operation: record.eventName, admin, attempt },
    };
  },
};

/** An administrator managed policy, or an inline policy allowing `*`, in the request. */
function grantsAdmin(record: CloudTrailRecord): boolean {
  if (record.eventName === 'AttachManagedPolicyToPermissionSet') {
    const arn = str(param(record, 'managedPolicyArn'));
    return arn !== undefined && isAdminManagedPolicy(arn);
  }
  if (record.eventName === 'PutInlinePolicyToPermissionSet')
    return policyStatements(param(record, 'inlinePolicy')).some(isAdminStatement);
  return false;
}
