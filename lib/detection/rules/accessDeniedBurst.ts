import { countedDenial, excusedByPropagation, PROPAGATION_ALLOWANCE } from '../propagation.js';
import type { CloudTrailRecord } from '../record.js';
import type { Rule, ThresholdSeries } from '../types.js';
import { principalOf } from './support.js';

/**
 * A role's sessions together cross at this many times the threshold, counting distinct denied
 * actions: twenty parallel CI jobs denied the same call are one misconfiguration, an attacker
 * probing across fresh sessions of one role tries many different calls.
 */
const ROLE_FACTOR = 1.5;

/**
 * One session: an assumed role's temporary key (each AssumeRole gets its own, even when CI
 * reuses a session name), else the principal.
 */
function sessionOf(record: CloudTrailRecord): string {
  const id = record.userIdentity;
  const key = id.type === 'AssumedRole' ? id.accessKeyId : undefined;
  return key ? `${principalOf(record)}|${key}` : principalOf(record);
}

/** Per session (every denial), and per role (distinct denied actions) with a higher bar. */
function seriesOf(record: CloudTrailRecord): ThresholdSeries[] {
  const own: ThresholdSeries = { key: sessionOf(record) };
  const id = record.userIdentity;
  const role = id.type === 'AssumedRole' ? id.sessionContext?.sessionIssuer?.arn : undefined;
  if (!role) return [own];
  return [
    own,
    {
      key: `role:${role}`,
      member: `${record.eventSource} ${record.eventName}`,
      factor: ROLE_FACTOR,
    },
  ];
}

/** Many access-denied errors from one principal in a window (windowed counter). */
export const accessDeniedBurst: Rule = {
  id: 'access-denied-burst',
  title: 'Burst of access-denied errors',
  severity: 'medium',
  mitre: { tactic: 'Discovery', technique: 'T1580 Cloud Infrastructure Discovery' },
  description: `One session (an assumed role's temporary key, or a user) got at least 10 access-denied errors within 10 minutes, or the sessions of one role together were denied ${ROLE_FACTOR * 10} distinct actions: permission probing with stolen credentials, or a broken deployment. Parallel sessions of one role (CI jobs) denied the same calls do not add up. The first ${PROPAGATION_ALLOWANCE} denials within a minute of the creation or policy grant of the caller itself (its role, user or access key), or of the role a denied AssumeRole was for, are IAM eventual consistency and do not count; more are counted.`,
  runbook:
    'List the denied calls (CloudTrail, same principal); if they probe IAM, secrets or gateways, disable the credentials and investigate where they were used from.',
  threshold: { key: sessionOf, series: seriesOf, threshold: 10, windowSeconds: 600 },
  reads: ['errorMessage'],
  dedup: { key: sessionOf, windowSeconds: 3600 },
  lastState: true,
  evaluate(record, context) {
    // Calls an AWS service makes on a principal's behalf fail for configuration reasons, not
    // because someone is probing.
    if (!countedDenial(record)) return undefined;
    // The allowance is looked up in the state store (propagation.ts), shared by every container.
    if (excusedByPropagation(record, context)) return undefined;
    return {
      summary: `${principalOf(record)} received a burst of access-denied errors (last: ${record.eventSource} ${record.eventName})`,
      details: { lastErrorCode: record.errorCode ?? '' },
    };
  },
};
