import type { Rule } from '../types.js';
import {
  AGENTCORE,
  accountOfArn,
  failed,
  gatewayIdOf,
  isTrustedAccount,
  param,
  principalOf,
  str,
} from './support.js';

/** A gateway's execution role changed (baseline per gateway), or is in another account (certain). */
export const gatewayRoleSwapped: Rule = {
  id: 'gateway-role-swapped',
  title: 'Gateway execution role swapped',
  severity: 'high',
  mitre: { tactic: 'Privilege Escalation', technique: 'T1098.003 Additional Cloud Roles' },
  description:
    'A gateway now runs with an execution role it did not use before, or a role in an untrusted account: its targets get that role’s permissions.',
  runbook:
    'Compare the new role’s policies with the old role; restore the approved role; review who could pass it (iam:PassRole) and what the gateway did since.',
  events: { sources: [AGENTCORE], names: ['CreateGateway', 'UpdateGateway'] },
  reads: [
    'requestParameters.gatewayIdentifier',
    'requestParameters.roleArn',
    'responseElements.gatewayId',
  ],
  dedup: {
    key: (r) => `${gatewayIdOf(r) ?? ''}|${str(param(r, 'roleArn')) ?? ''}`,
    windowSeconds: 86_400,
  },
  baseline: {
    dimension: 'gateway-role',
    subject: (r) => gatewayIdOf(r),
    values: (r) => {
      const role = str(param(r, 'roleArn'));
      return role === undefined ? [] : [role];
    },
  },
  evaluate(record, context) {
    if (failed(record)) return undefined;
    const roleArn = str(param(record, 'roleArn'));
    if (roleArn === undefined) return undefined;
    const gatewayId = gatewayIdOf(record) ?? 'unknown';
    const account = accountOfArn(roleArn);
    const foreign = account !== undefined && !isTrustedAccount(account, record, context);
    return {
      severity: foreign ? 'critical' : 'high',
      summary: foreign
        ? `gateway ${gatewayId} given a role in untrusted account ${account} by ${principalOf(record)}`
        : `gateway ${gatewayId} execution role changed to ${roleArn} by ${principalOf(record)}`,
      resource: gatewayId,
      details: { roleArn },
      certain: foreign,
    };
  },
};
