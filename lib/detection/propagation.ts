import { FACTS, createdAt, createdLookup, EVENTUAL_CONSISTENCY_MS } from './learnedFacts.js';
import type { StateVersion } from './ports.js';
import type { CloudTrailRecord } from './record.js';
import { roleNameOf, viaAwsService } from './rules/support.js';
import type { Tracked } from './stateTrackers.js';
import type { DetectionContext } from './types.js';

/**
 * IAM eventual consistency, bounded. Right after a principal is created or granted a policy,
 * its first calls (or calls on it) can be denied for a few seconds while IAM propagates; the
 * SDKs retry a handful of times. Those denials are not probing. An allowance, not a window:
 * only the first {@link PROPAGATION_ALLOWANCE} denials of a just-created principal's own calls
 * (or of an AssumeRole of a just-created role) are excused, so a new principal cannot use its
 * first minute to probe unseen.
 */

/** Denials excused per created principal or resource (an SDK's retries, not a probe). */
export const PROPAGATION_ALLOWANCE = 3;

/**
 * The role a denied `sts:AssumeRole*` was for. Such records carry no requestParameters; the
 * error message names the role: `User: … is not authorized to perform: sts:AssumeRole on
 * resource: arn:aws:iam::111122223333:role/path/Name`.
 */
const ASSUME_DENIED =
  /not authorized to perform: sts:AssumeRole(?:WithWebIdentity|WithSAML)? on resource: (arn:aws[\w-]*:iam::\d{12}:role\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]+))/;

/**
 * The keys under which creations are learned (learnedFacts.ts) that this denied record may be
 * the propagation of: the caller's own newness (its role, by name and issuer ARN; its user; its
 * access key), and for a denied AssumeRole the role assumed, as AWS names it in the error
 * message. Never a role, user or resource the request names: anyone may name a new role in a
 * refused call, and that refusal is not the new role's propagation (and must not spend its
 * allowance).
 */
export function propagationKeys(record: CloudTrailRecord): string[] {
  const keys: string[] = [];
  const id = record.userIdentity;
  const callerRole = roleNameOf(record);
  if (callerRole !== undefined) keys.push(`role:${callerRole}`);
  const issuerArn = id.type === 'AssumedRole' ? id.sessionContext?.sessionIssuer?.arn : undefined;
  if (issuerArn) keys.push(`arn:${issuerArn}`);
  if (id.type === 'IAMUser' && id.userName) keys.push(`user:${id.userName}`);
  // A user's long-term key (a session's temporary key is never created by CreateAccessKey).
  if (id.type === 'IAMUser' && id.accessKeyId) keys.push(`key:${id.accessKeyId}`);
  const assumed = ASSUME_DENIED.exec(record.errorMessage ?? '');
  if (assumed?.[1] !== undefined && assumed[2] !== undefined) {
    keys.push(`role:${assumed[2]}`, `arn:${assumed[1]}`);
  }
  return keys;
}

/** Keys a denied record looks up at most (caller role or user, its ARN or key, a role assumed). */
const MAX_KEYS = 4;

/**
 * The look-ups of a denied call counted by access-denied-burst: the creation of each principal
 * or resource it concerns, and for a creation within {@link EVENTUAL_CONSISTENCY_MS} before
 * it, the allowance of that creation (this record's eventID added while fewer than
 * {@link PROPAGATION_ALLOWANCE} are in it). Kept in the state store: every container, and a
 * cold one, shares one allowance per creation.
 */
export function propagationTracked(record: CloudTrailRecord): Tracked[] {
  if (!countedDenial(record)) return [];
  const at = Date.parse(record.eventTime);
  return [...new Set(propagationKeys(record))].slice(0, MAX_KEYS).map((key) => ({
    ...createdLookup(key),
    then: (previous: StateVersion | undefined) => {
      const when = createdAt(previous);
      if (when === undefined || at < when || at - when > EVENTUAL_CONSISTENCY_MS) return [];
      return [
        {
          // One allowance per creation: a role deleted and created again gets a new one.
          kind: FACTS.propagationExcused,
          subject: `${key}@${when}`,
          next: (excused: StateVersion | undefined) => {
            const ids = excusedIds(parsedState(excused));
            if (ids.includes(record.eventID) || ids.length >= PROPAGATION_ALLOWANCE)
              return undefined;
            return JSON.stringify({ eventIds: [...ids, record.eventID] });
          },
        },
      ];
    },
  }));
}

function parsedState(version: StateVersion | undefined): unknown {
  if (version?.state === undefined || version.state === null) return undefined;
  try {
    return JSON.parse(version.state) as unknown;
  } catch {
    return undefined;
  }
}

function excusedIds(state: unknown): string[] {
  const ids = (state as { eventIds?: unknown } | null | undefined)?.eventIds;
  return Array.isArray(ids) ? ids.filter((id): id is string => typeof id === 'string') : [];
}

/** Error codes of a refusal (access-denied-burst counts these). */
export const DENIED =
  /^(AccessDenied|Client\.UnauthorizedOperation|UnauthorizedOperation|Client\.AccessDenied|AccessDeniedException|UnauthorizedException|AuthorizationError)/;

/** A refusal access-denied-burst counts: denied, and not made by an AWS service for someone. */
export function countedDenial(record: CloudTrailRecord): boolean {
  const code = record.errorCode;
  return code !== undefined && DENIED.test(code) && !viaAwsService(record);
}

/**
 * True when this denied call is one of the first few that concern a principal or resource
 * created (or granted a policy) within the last minute, by its own look-ups (the rule declares
 * `lastState: true`). A duplicated delivery is excused again, never twice.
 */
export function excusedByPropagation(record: CloudTrailRecord, context: DetectionContext): boolean {
  const changes = context.stateChanges;
  if (changes === undefined || changes.eventId !== record.eventID) return false;
  const keys = new Set(propagationKeys(record).slice(0, MAX_KEYS * 2));
  return changes.changes.some(
    (change) =>
      change.kind === FACTS.propagationExcused &&
      keys.has(change.subject.slice(0, change.subject.lastIndexOf('@'))) &&
      (excusedIds(change.current).includes(record.eventID) ||
        excusedIds(change.previous).includes(record.eventID)),
  );
}
