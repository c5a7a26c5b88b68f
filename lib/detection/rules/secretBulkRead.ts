import type { CloudTrailRecord } from '../record.js';
import type { Rule, ThresholdSeries } from '../types.js';
import {
  SECRETS,
  failed,
  principalOf,
  secretIdOf,
  stableCaller,
  viaAwsService,
} from './support.js';
import { isRotator } from './expectedReaders.js';

/**
 * Reads a service makes on a principal's behalf (forward access sessions: CloudFormation
 * resolving dynamic references, ECS starting a task) count apart from the principal's own and
 * cross at this many times the threshold: a stack deploy reads its 30 secrets at once by
 * design, but a service must not become a way to harvest unseen (an attacker allowed
 * cloudformation:CreateStack can have CloudFormation resolve every secret it may read).
 */
const VIA_SERVICE_FACTOR = 5;

/** The service a read came through (AWS sets both fields; the caller cannot). */
function serviceOf(record: CloudTrailRecord): string {
  return record.userIdentity.invokedBy || record.sourceIPAddress || 'AWS Internal';
}

/** The series a read counts in: the caller's own reads, or a service's on its behalf. */
function seriesOf(record: CloudTrailRecord): ThresholdSeries[] {
  const member = secretIdOf(record) ?? 'unknown';
  if (!viaAwsService(record)) return [{ key: principalOf(record), member }];
  return [
    {
      key: `${stableCaller(record)}|via:${serviceOf(record)}`,
      member,
      factor: VIA_SERVICE_FACTOR,
    },
  ];
}

/** One principal reading many distinct secrets within a window (windowed distinct counter). */
export const secretBulkRead: Rule = {
  id: 'secret-bulk-read',
  title: 'Bulk secret retrieval by one principal',
  severity: 'high',
  mitre: { tactic: 'Credential Access', technique: 'T1555.006 Cloud Secrets Management Stores' },
  description: `One principal read at least 10 distinct secrets within 10 minutes: typical of credential harvesting with stolen keys. Reads an AWS service makes on the principal’s behalf (source address a service host, as AWS records it) are counted apart, not as the principal’s own burst, and reported (medium) only from ${VIA_SERVICE_FACTOR} times as many: a stack deploy resolving its secrets is not harvesting, a service driven to read everything still is.`,
  runbook:
    'List the secrets read (CloudTrail, same principal and window); rotate the gateway ones; disable the principal’s keys or sessions if it is not a known batch job. Through a service: find the stack, task or job that made it read them and who started it.',
  events: { sources: [SECRETS], names: ['GetSecretValue'] },
  threshold: {
    key: (r) => principalOf(r),
    member: (r) => secretIdOf(r) ?? 'unknown',
    series: seriesOf,
    threshold: 10,
    windowSeconds: 600,
  },
  reads: ['requestParameters.secretId'],
  dedup: {
    key: (r) => (viaAwsService(r) ? `${stableCaller(r)}|via:${serviceOf(r)}` : principalOf(r)),
    windowSeconds: 3600,
  },
  evaluate(record, context) {
    // A service reading for itself (no caller behind it) is not a principal harvesting.
    if (failed(record) || isRotator(record, context) || record.userIdentity.type === 'AWSService') {
      return undefined;
    }
    if (viaAwsService(record)) {
      return {
        severity: 'medium',
        summary: `${serviceOf(record)} read many distinct secrets on behalf of ${principalOf(record)} in a short window`,
        resource: secretIdOf(record),
        details: { via: serviceOf(record) },
      };
    }
    return {
      summary: `${principalOf(record)} read many distinct secrets in a short window`,
      resource: secretIdOf(record),
    };
  },
};
