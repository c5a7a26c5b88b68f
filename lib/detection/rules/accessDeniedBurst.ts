import { EVENTUAL_CONSISTENCY_MS } from '../learn.js';
import type { CloudTrailRecord } from '../record.js';
import type { DetectionContext, Rule } from '../types.js';
import { param, principalOf, roleNameOf, str, viaAwsService } from './support.js';

const DENIED =
  /^(AccessDenied|Client\.UnauthorizedOperation|UnauthorizedOperation|Client\.AccessDenied|AccessDeniedException|UnauthorizedException|AuthorizationError)/;

/**
 * True when the caller, or what the call is about, was created (or granted a policy) within
 * the last minute: IAM has not finished propagating it, and the SDK's retries fail a few times.
 */
function justCreated(record: CloudTrailRecord, context: DetectionContext): boolean {
  const created = context.recentlyCreated;
  if (created === undefined || created.size === 0) return false;
  const at = Date.parse(record.eventTime);
  const keys: string[] = [];
  const callerRole = roleNameOf(record);
  if (callerRole !== undefined) keys.push(`role:${callerRole}`);
  if (record.userIdentity.type === 'IAMUser' && record.userIdentity.userName) {
    keys.push(`user:${record.userIdentity.userName}`);
  }
  const role = str(param(record, 'roleName'));
  const user = str(param(record, 'userName'));
  if (role !== undefined) keys.push(`role:${role}`);
  if (user !== undefined) keys.push(`user:${user}`);
  for (const resource of record.resources ?? []) if (resource.ARN) keys.push(`arn:${resource.ARN}`);
  return keys.some((key) => {
    const when = created.get(key);
    return when !== undefined && at >= when && at - when <= EVENTUAL_CONSISTENCY_MS;
  });
}

/** Many access-denied errors from one principal in a window (windowed counter). */
export const accessDeniedBurst: Rule = {
  id: 'access-denied-burst',
  title: 'Burst of access-denied errors',
  severity: 'medium',
  mitre: { tactic: 'Discovery', technique: 'T1580 Cloud Infrastructure Discovery' },
  description:
    'One principal got at least 10 access-denied errors within 10 minutes: permission probing with stolen credentials, or a broken deployment. Denials within a minute of the caller’s (or the target’s) creation or policy grant are IAM eventual consistency and do not count.',
  runbook:
    'List the denied calls (CloudTrail, same principal); if they probe IAM, secrets or gateways, disable the credentials and investigate where they were used from.',
  threshold: { key: (r) => principalOf(r), threshold: 10, windowSeconds: 600 },
  reads: ['requestParameters.roleName', 'requestParameters.userName', 'resources'],
  dedup: { key: (r) => principalOf(r), windowSeconds: 3600 },
  evaluate(record, context) {
    const code = record.errorCode;
    if (code === undefined || !DENIED.test(code)) return undefined;
    // Calls an AWS service makes on a principal's behalf fail for configuration reasons, not
    // because someone is probing.
    if (viaAwsService(record)) return undefined;
    if (justCreated(record, context)) return undefined;
    return {
      summary: `${principalOf(record)} received a burst of access-denied errors (last: ${record.eventSource} ${record.eventName})`,
      details: { lastErrorCode: code },
    };
  },
};
