import type { CloudTrailRecord } from '../record.js';
import { FACTS, TRAIL_BUCKET_NAME, knownBefore } from '../learnedFacts.js';
import type { Rule } from '../types.js';
import { policyStatements, type PolicyStatement } from './policy.js';
import { CLOUDTRAIL, S3, failed, obj, param, principalOf, str, strings } from './support.js';

/** Retention below this many days on a trail bucket counts as too short. */
const SHORT_RETENTION_DAYS = 365;

/** Shortest enabled expiration (current or noncurrent versions) in a lifecycle request. */
export function shortestExpirationDays(record: CloudTrailRecord): number | undefined {
  const rules = param(record, 'LifecycleConfiguration', 'Rule');
  const list = Array.isArray(rules) ? rules : [rules];
  let shortest: number | undefined;
  for (const item of list) {
    const rule = obj(item);
    if (rule === undefined || rule.Status !== 'Enabled') continue;
    for (const days of [
      obj(rule.Expiration)?.Days,
      obj(rule.NoncurrentVersionExpiration)?.NoncurrentDays,
    ]) {
      const n = Number(days);
      if (days !== undefined && Number.isFinite(n) && (shortest === undefined || n < shortest))
        shortest = n;
    }
  }
  return shortest;
}

/** What CloudTrail itself needs on its bucket: check the ACL, write (and list) log files. */
const DELIVERY_ACTIONS = new Set(['s3:getbucketacl', 's3:putobject', 's3:listbucket']);

/** An Allow to the CloudTrail service principal only, for delivery actions only. */
function isDeliveryStatement(statement: PolicyStatement): boolean {
  if (statement.Effect !== 'Allow' || statement.NotAction !== undefined) return false;
  const services = strings(obj(statement.Principal)?.Service);
  const principalKeys = Object.keys(obj(statement.Principal) ?? {});
  if (principalKeys.length !== 1 || services.length === 0) return false;
  if (!services.every((service) => service === CLOUDTRAIL)) return false;
  const actions = strings(statement.Action).map((a) => a.toLowerCase());
  return actions.length > 0 && actions.every((a) => DELIVERY_ACTIONS.has(a));
}

/** The usual hardening beside it: deny every request that is not over TLS. */
function isDenyInsecureTransport(statement: PolicyStatement): boolean {
  const bool = obj(obj(statement.Condition)?.Bool);
  return (
    statement.Effect === 'Deny' &&
    bool !== undefined &&
    String(bool['aws:SecureTransport']).toLowerCase() === 'false'
  );
}

/**
 * The policy CloudTrail (console, CLI `create-subscription`, CloudFormation, Terraform) puts
 * on its delivery bucket: `AWSCloudTrailAclCheck` and `AWSCloudTrailWrite` statements for the
 * service principal, optionally a TLS-only deny. It grants no one else anything and keeps
 * delivery working, so writing it is set-up, not tampering.
 */
export function isStandardDeliveryPolicy(record: CloudTrailRecord): boolean {
  const statements = policyStatements(param(record, 'bucketPolicy') ?? param(record, 'policy'));
  const writes = statements.some(
    (s) =>
      isDeliveryStatement(s) &&
      strings(s.Action).some((action) => action.toLowerCase() === 's3:putobject'),
  );
  return writes && statements.every((s) => isDeliveryStatement(s) || isDenyInsecureTransport(s));
}

/**
 * A lifecycle rule put on (or a bucket policy changed for) the trail bucket: logs can be
 * expired before anyone reads them. The bucket is known when named like a CloudTrail bucket
 * or seen as a trail's delivery bucket in the stream.
 */
export const cloudtrailBucketLifecycle: Rule = {
  id: 'cloudtrail-bucket-lifecycle',
  title: 'Lifecycle or policy change on the CloudTrail bucket',
  severity: 'high',
  mitre: { tactic: 'Defense Evasion', technique: 'T1562.008 Disable or Modify Cloud Logs' },
  description:
    'A lifecycle rule expiring logs in under 365 days, or DeleteBucketPolicy/PutBucketPolicy, on the bucket CloudTrail delivers to: logs can be expired early or delivery broken.',
  runbook:
    'Read the new lifecycle configuration or policy; remove short expirations and restore CloudTrail’s delivery permissions; check the trail still delivers (GetTrailStatus).',
  events: {
    sources: [S3],
    names: [
      'PutBucketLifecycle',
      'PutBucketLifecycleConfiguration',
      'DeleteBucketPolicy',
      'PutBucketPolicy',
    ],
  },
  reads: [
    'requestParameters.LifecycleConfiguration',
    'requestParameters.bucketName',
    'requestParameters.bucketPolicy',
  ],
  dedup: { key: (r) => `${str(param(r, 'bucketName')) ?? ''}|${r.eventName}`, windowSeconds: 3600 },
  lastState: true,
  evaluate(record, context) {
    if (failed(record)) return undefined;
    const bucket = str(param(record, 'bucketName'));
    if (bucket === undefined) return undefined;
    const trailBucket =
      TRAIL_BUCKET_NAME.test(bucket) || knownBefore(record, context, FACTS.trailBucket, bucket);
    if (!trailBucket) return undefined;
    if (record.eventName.startsWith('PutBucketLifecycle')) {
      // Only an enabled expiration shorter than the retention floor destroys evidence.
      const days = shortestExpirationDays(record);
      if (days === undefined || days >= SHORT_RETENTION_DAYS) return undefined;
      return {
        severity: days <= 30 ? 'high' : 'medium',
        summary: `CloudTrail bucket ${bucket} set to expire logs after ${days} days by ${principalOf(record)}`,
        resource: bucket,
        details: { expirationDays: days },
      };
    }
    if (record.eventName === 'PutBucketPolicy' && isStandardDeliveryPolicy(record))
      return undefined;
    return {
      severity: record.eventName === 'DeleteBucketPolicy' ? 'high' : 'medium',
      summary: `${record.eventName} on CloudTrail bucket ${bucket} by ${principalOf(record)}`,
      resource: bucket,
    };
  },
};
