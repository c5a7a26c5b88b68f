import { EVENTUAL_CONSISTENCY_MS } from './learn.js';
import type { CloudTrailRecord } from './record.js';
import { param, roleNameOf, str } from './rules/support.js';
import type { DetectionContext } from './types.js';

/**
 * IAM eventual consistency, bounded. Right after a principal is created or granted a policy,
 * its first calls (or calls on it) can be denied for a few seconds while IAM propagates; the
 * SDKs retry a handful of times. Those denials are not probing. An allowance, not a window:
 * only the first {@link PROPAGATION_ALLOWANCE} denials that name a just-created principal are
 * excused, so a new principal cannot use its first minute to probe unseen.
 */

/** Denials excused per created principal or resource (an SDK's retries, not a probe). */
export const PROPAGATION_ALLOWANCE = 3;

/** Excused denials kept at most (bounded whatever the input). */
const EXCUSED_CAP = 10_000;

/**
 * The role a denied `sts:AssumeRole*` was for. Such records carry no requestParameters; the
 * error message names the role: `User: … is not authorized to perform: sts:AssumeRole on
 * resource: arn:aws:iam::111122223333:role/path/Name`.
 */
const ASSUME_DENIED =
  /not authorized to perform: sts:AssumeRole(?:WithWebIdentity|WithSAML)? on resource: (arn:aws[\w-]*:iam::\d{12}:role\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]+))/;

/** The keys under which learn.ts remembers creations that this denied record may concern. */
export function propagationKeys(record: CloudTrailRecord): string[] {
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
  const assumed = ASSUME_DENIED.exec(record.errorMessage ?? '');
  if (assumed?.[1] !== undefined && assumed[2] !== undefined) {
    keys.push(`role:${assumed[2]}`, `arn:${assumed[1]}`);
  }
  return keys;
}

/**
 * True when this denied call is one of the first few that concern a principal or resource
 * created (or granted a policy) within the last minute. Each record counts once (by eventID):
 * a duplicated delivery is excused again, never twice.
 */
export function excusedByPropagation(record: CloudTrailRecord, context: DetectionContext): boolean {
  const created = context.recentlyCreated;
  if (created === undefined || created.size === 0) return false;
  const at = Date.parse(record.eventTime);
  const key = propagationKeys(record).find((candidate) => {
    const when = created.get(candidate);
    return when !== undefined && at >= when && at - when <= EVENTUAL_CONSISTENCY_MS;
  });
  if (key === undefined) return false;
  // One allowance per creation: a role deleted and created again gets a new one.
  const creation = `${key}@${created.get(key) ?? 0}`;
  const excused = (context.propagationExcused ??= new Map());
  const ids = excused.get(creation) ?? [];
  if (ids.includes(record.eventID)) return true;
  if (ids.length >= PROPAGATION_ALLOWANCE) return false;
  if (ids.length === 0) {
    if (excused.size >= EXCUSED_CAP) prune(excused, at);
    if (excused.size >= EXCUSED_CAP) return false;
    excused.set(creation, ids);
  }
  ids.push(record.eventID);
  return true;
}

/** Drops the allowances of creations older than the consistency window. */
function prune(excused: Map<string, string[]>, at: number): void {
  for (const creation of excused.keys()) {
    const when = Number(creation.slice(creation.lastIndexOf('@') + 1));
    if (at - when > EVENTUAL_CONSISTENCY_MS) excused.delete(creation);
  }
}
