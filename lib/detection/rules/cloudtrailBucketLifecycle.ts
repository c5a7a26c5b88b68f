import type { Rule } from '../types.js';
import { S3, failed, param, principalOf, str } from './support.js';

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
    'PutBucketLifecycle, DeleteBucketPolicy or PutBucketPolicy on the bucket CloudTrail delivers to: logs can be expired early or delivery broken.',
  runbook:
    'Read the new lifecycle configuration or policy; remove short expirations and restore CloudTrail’s delivery permissions; check the trail still delivers (GetTrailStatus).',
  events: {
    sources: [S3],
    names: [
      'PutBucketLifecycle',
      'PutBucketLifecycleConfiguration',
      'DeleteBucketPolicy',
      'PutBucketPolicy',
      'DeleteBucketLifecycle',
    ],
  },
  dedup: { key: (r) => `${str(param(r, 'bucketName')) ?? ''}|${r.eventName}`, windowSeconds: 3600 },
  evaluate(record, context) {
    if (failed(record)) return undefined;
    const bucket = str(param(record, 'bucketName'));
    if (bucket === undefined) return undefined;
    const trailBucket =
      context.learnedTrailBuckets?.has(bucket) || /cloudtrail|trail-?logs?/i.test(bucket);
    if (!trailBucket) return undefined;
    // Removing a lifecycle keeps logs longer: worth a note, not an alarm.
    const severity =
      record.eventName === 'DeleteBucketLifecycle'
        ? 'low'
        : record.eventName === 'PutBucketPolicy'
          ? 'medium'
          : 'high';
    return {
      severity,
      summary: `${record.eventName} on CloudTrail bucket ${bucket} by ${principalOf(record)}`,
      resource: bucket,
    };
  },
};
