import type { CloudTrailRecord } from '../record.js';
import { KINDS, sessionRoleArn } from '../stateTrackers.js';
import type { DetectionContext } from '../types.js';
import { changeOf } from './lastState.js';
import { matchesPattern } from './support.js';

/**
 * Who may read a credential (the token vault, a gateway secret), decided by ARN, never by a
 * name: anyone allowed iam:CreateRole picks a role's name, not its ARN's account and path.
 */

/** The caller's role ARN (an assumed role's session issuer) or IAM user ARN. */
function callerArn(record: CloudTrailRecord): string | undefined {
  const id = record.userIdentity;
  if (id.type === 'AssumedRole') return sessionRoleArn(record);
  return id.type === 'IAMUser' ? id.arn || undefined : undefined;
}

/** The caller's role or user ARN matches one of the configured ARN patterns. */
export function isListedReader(
  record: CloudTrailRecord,
  patterns: readonly string[] | undefined,
): boolean {
  const arn = callerArn(record);
  return arn !== undefined && (patterns ?? []).some((pattern) => matchesPattern(arn, pattern));
}

/** The caller is one of gatewarden's rotators (rotatorPrincipals, by ARN). */
export function isRotator(record: CloudTrailRecord, context: DetectionContext): boolean {
  return isListedReader(record, context.rotatorPrincipals);
}

/**
 * The caller's role was a gateway's execution role when it read: learned from a successful
 * CreateGateway/UpdateGateway by role ARN, through the last-state store (the rule needs
 * `lastState: true`; the read is a look-up of the `gateway-role` kind).
 */
export function isLearnedGatewayRole(record: CloudTrailRecord, context: DetectionContext): boolean {
  const role = changeOf<{ gatewayIds?: string[] }>(record, context, KINDS.gatewayRole)?.previous;
  return role !== undefined && role !== null;
}
