import type { CloudTrailRecord } from '../record.js';
import { FACTS, type PrivilegedRoleFact } from '../learnedFacts.js';
import { byAutomation, changeOf } from './lastState.js';
import type { DetectionContext, Rule, RuleMatch } from '../types.js';
import {
  failed,
  isGatewayRoleName,
  matchesPattern,
  obj,
  param,
  principalOf,
  stableCaller,
  str,
  viaAwsService,
} from './support.js';

/**
 * Compute that runs with a passed role and hands its credentials to whoever controls the code
 * or the shell: the classic iam:PassRole escalations (Rhino Security Labs' methods, the
 * pathfinding.cloud catalogue). `key` names the request field carrying the role.
 */
const COMPUTE: Record<string, { source: string; key: 'roleArn' | 'role' | 'iamInstanceProfile' }> =
  {
    CreateDevEndpoint: { source: 'glue.amazonaws.com', key: 'roleArn' },
    CreateFunction20150331: { source: 'lambda.amazonaws.com', key: 'role' },
    // An existing function given another role passes it just the same.
    UpdateFunctionConfiguration20150331v2: { source: 'lambda.amazonaws.com', key: 'role' },
    UpdateFunctionConfiguration20150331: { source: 'lambda.amazonaws.com', key: 'role' },
    RunInstances: { source: 'ec2.amazonaws.com', key: 'iamInstanceProfile' },
    AssociateIamInstanceProfile: { source: 'ec2.amazonaws.com', key: 'iamInstanceProfile' },
    ReplaceIamInstanceProfileAssociation: {
      source: 'ec2.amazonaws.com',
      key: 'iamInstanceProfile',
    },
    CreateNotebookInstance: { source: 'sagemaker.amazonaws.com', key: 'roleArn' },
    CreateTrainingJob: { source: 'sagemaker.amazonaws.com', key: 'roleArn' },
    CreateProcessingJob: { source: 'sagemaker.amazonaws.com', key: 'roleArn' },
  };

/** The role passed (ARN or name), and through which instance profile, if any. */
function passed(record: CloudTrailRecord, context: DetectionContext) {
  const spec = COMPUTE[record.eventName];
  if (spec === undefined || spec.source !== record.eventSource) return undefined;
  if (spec.key !== 'iamInstanceProfile') {
    const role = str(param(record, spec.key));
    return role === undefined ? undefined : { role, profile: undefined };
  }
  const profile = obj(param(record, 'iamInstanceProfile'));
  const reference = str(profile?.arn) ?? str(profile?.name);
  if (reference === undefined) return undefined;
  const name = reference.split('/').pop() ?? reference;
  const held = changeOf<{ role?: unknown }>(record, context, FACTS.instanceProfile)?.previous;
  return { role: typeof held?.role === 'string' ? held.role : undefined, profile: name };
}

/** Why gatewarden holds this role privileged, or undefined when it does not know the role. */
function privilege(
  record: CloudTrailRecord,
  role: string,
  context: DetectionContext,
): string | undefined {
  const name = role.split('/').pop() ?? role;
  if (isGatewayRoleName(role, context)) return 'gateway execution role';
  const matches = (patterns: readonly string[] | undefined) =>
    (patterns ?? []).some((p) => matchesPattern(role, p) || matchesPattern(name, p));
  if (matches(context.rotatorPrincipals)) return 'gatewarden rotator role';
  if (matches(context.automationPrincipals)) return 'deploy automation role';
  // Learned from AttachRolePolicy/PutRolePolicy and kept in the state store (learnedFacts.ts),
  // by lower-cased name: the two requests may spell one role differently.
  const grants = changeOf<PrivilegedRoleFact>(record, context, FACTS.privilegedRole)?.previous;
  if (Array.isArray(grants?.grants) && grants.grants.length > 0) {
    return 'role granted administrator rights';
  }
  return undefined;
}

/**
 * A role passed to compute that will run with it (iam:PassRole escalation). A role gatewarden
 * knows as privileged (gateway, rotator or deploy role from the configuration, a role it saw
 * granted admin rights) is high whoever passes it; a role it does not know is low, and only
 * when the caller is not deploy automation nor CloudFormation. A role name alone proves
 * nothing: `admin` in a name is not read as privilege.
 */
export const iamPassRoleToCompute: Rule = {
  id: 'iam-passrole-to-compute',
  title: 'Role passed to compute (Glue, Lambda, EC2, SageMaker)',
  severity: 'high',
  mitre: { tactic: 'Privilege Escalation', technique: 'T1098.003 Additional Cloud Roles' },
  description:
    'iam:PassRole seen through the call that used it: a Glue development endpoint, a new Lambda function or an existing one given another role, an EC2 instance profile (RunInstances, AssociateIamInstanceProfile) or a SageMaker notebook, training or processing job given a role. High when the role is one gatewarden knows as privileged (configured gateway, rotator or automation role; a role seen granted administrator rights; an instance profile seen holding such a role); low for roles it does not know, unless deploy automation or CloudFormation made the call. Gateway roles passed by role ARN are iam-passrole-gateway-role’s.',
  runbook:
    'Find the endpoint, function, instance or notebook and who can reach it; stop it if unplanned; restrict iam:PassRole on the role with iam:PassedToService and a resource list.',
  lastState: true,
  reads: [
    'requestParameters.roleArn',
    'requestParameters.role',
    'requestParameters.iamInstanceProfile',
  ],
  dedup: {
    key: (r) =>
      `${stableCaller(r)}|${r.eventName}|${
        str(param(r, 'roleArn')) ??
        str(param(r, 'role')) ??
        str(param(r, 'iamInstanceProfile', 'arn')) ??
        str(param(r, 'iamInstanceProfile', 'name')) ??
        ''
      }`,
    windowSeconds: 3600,
  },
  evaluate(record, context): RuleMatch | undefined {
    if (COMPUTE[record.eventName] === undefined || failed(record)) return undefined;
    const found = passed(record, context);
    if (found === undefined) return undefined;
    const { role, profile } = found;
    const why = role === undefined ? undefined : privilege(record, role, context);
    const target = role ?? `instance profile ${profile ?? ''}`;
    const via = profile !== undefined && role !== undefined ? ` (instance profile ${profile})` : '';
    const to = `${record.eventSource.replace('.amazonaws.com', '')} ${record.eventName.replace(/\d{8}(v\d+)?$/, '')}`;
    if (why !== undefined) {
      // Passing a gateway role by ARN is already iam-passrole-gateway-role's finding.
      if (why === 'gateway execution role' && profile === undefined) return undefined;
      return {
        summary: `${why} ${role ?? ''}${via} passed to ${to} by ${principalOf(record)}`,
        resource: role ?? target,
        details: { passedTo: record.eventSource, privilege: why },
        facts: [`role=${role ?? target}`],
      };
    }
    // A role gatewarden does not know, passed by deploy automation or by a service for its
    // caller (a stack creating a function with its new role): ordinary, not worth a word.
    // A privileged role is reported above whoever passes it.
    if (byAutomation(record, context) || viaAwsService(record)) {
      return undefined;
    }
    return {
      severity: 'low',
      summary: `${target}${via} passed to ${to} by ${principalOf(record)} (a role gatewarden does not know as privileged)`,
      resource: role ?? target,
      details: { passedTo: record.eventSource, privilege: 'unknown' },
    };
  },
};
