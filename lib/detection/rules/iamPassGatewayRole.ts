import type { CloudTrailRecord } from '../record.js';
import type { Rule } from '../types.js';
import { AGENTCORE, failed, isGatewayRoleName, obj, principalOf, str } from './support.js';

const ROLE_KEYS = ['roleArn', 'role', 'executionRoleArn', 'serviceRoleArn', 'RoleArn'];
/** Services whose `roleArn` parameter is not a PassRole (the caller assumes, not passes). */
const NOT_PASSING = new Set(['sts.amazonaws.com', 'iam.amazonaws.com']);

function passedRole(record: CloudTrailRecord): string | undefined {
  const params = obj(record.requestParameters);
  if (params === undefined) return undefined;
  for (const key of ROLE_KEYS) {
    const value = str(params[key]);
    if (value !== undefined && value.includes(':role/')) return value;
  }
  return undefined;
}

/**
 * The AgentCore calls that give a gateway its role. Every other AgentCore call that passes one
 * (a Runtime, Code Interpreter or Browser execution role) runs code of the caller's as the
 * gateway role: `iam:PassedToService` is `bedrock-agentcore.amazonaws.com` for all of them, and
 * AgentCore documents no `iam:AssociatedResourceArn`, so no SCP tells them apart.
 */
const GATEWAY_CALLS = new Set(['CreateGateway', 'UpdateGateway']);
/** AgentCore calls whose own rule reports a gateway role given to them, high (one finding). */
const REPORTED_ELSEWHERE = new Set([
  'CreateAgentRuntime', // agent-runtime-changed
  'UpdateAgentRuntime',
  'CreateHarness', // harness-gateway-access
  'UpdateHarness',
]);

function toGateway(record: CloudTrailRecord): boolean {
  return record.eventSource === AGENTCORE && GATEWAY_CALLS.has(record.eventName);
}

/** Stable identity of the caller for the baseline: role ARN for sessions, else the ARN. */
function passer(record: CloudTrailRecord): string {
  return record.userIdentity.sessionContext?.sessionIssuer?.arn ?? principalOf(record);
}

/**
 * `iam:PassRole` of a gateway role, seen through the call that passed it: to anything but an
 * AgentCore gateway (certain), or to a gateway by a principal that never passed it before
 * (baseline).
 */
export const iamPassGatewayRole: Rule = {
  id: 'iam-passrole-gateway-role',
  title: 'Gateway role passed by an unexpected principal',
  severity: 'high',
  mitre: { tactic: 'Privilege Escalation', technique: 'T1098.003 Additional Cloud Roles' },
  description:
    'A gateway execution role was passed to a service (iam:PassRole): to anything but an AgentCore gateway (high: a function, an instance, or an AgentCore Code Interpreter or Browser, whose code then runs as the gateway role; Runtimes and Harnesses are reported by their own rules), or to a gateway by a principal that has not managed this role before (medium).',
  runbook:
    'Find the resource the role was passed to (function, instance, gateway); remove it if unapproved and restrict iam:PassRole on gateway roles with iam:PassedToService = bedrock-agentcore.amazonaws.com.',
  reads: [
    'requestParameters.role',
    'requestParameters.roleArn',
    'requestParameters.executionRoleArn',
  ],
  dedup: {
    key: (r) => `${passer(r)}|${passedRole(r) ?? ''}|${r.eventSource}`,
    windowSeconds: 86_400,
  },
  baseline: {
    dimension: 'role-passer',
    subject: (r) => (toGateway(r) ? passedRole(r) : undefined),
    values: (r) => [passer(r)],
  },
  evaluate(record, context) {
    if (
      record.readOnly === true ||
      NOT_PASSING.has(record.eventSource) ||
      failed(record) ||
      (record.eventSource === AGENTCORE && REPORTED_ELSEWHERE.has(record.eventName))
    ) {
      return undefined;
    }
    const roleArn = passedRole(record);
    if (roleArn === undefined || !isGatewayRoleName(roleArn, context)) return undefined;
    const gateway = toGateway(record);
    return {
      severity: gateway ? 'medium' : 'high',
      summary: `gateway role ${roleArn} passed to ${record.eventSource} (${record.eventName}) by ${principalOf(record)}`,
      resource: roleArn,
      details: { passedTo: record.eventSource, operation: record.eventName },
      certain: !gateway,
    };
  },
};
