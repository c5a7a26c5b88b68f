import { FACTS, knownBefore } from '../learnedFacts.js';
import type { Rule } from '../types.js';
import { S3, denied, failed, obj, param, principalOf, str } from './support.js';

/** The versioning status a PutBucketVersioning request sets. */
function versioningStatus(requestParameters: unknown): string | undefined {
  const config = obj(obj(requestParameters)?.VersioningConfiguration);
  return str(config?.Status);
}

/** The trail's delivery bucket deleted, or its versioning suspended (overwrites then erase logs). */
export const trailBucketRemoved: Rule = {
  id: 'trail-bucket-deleted-or-unversioned',
  title: 'CloudTrail bucket deleted or its versioning suspended',
  severity: 'high',
  mitre: { tactic: 'Defense Evasion', technique: 'T1562.008 Disable or Modify Cloud Logs' },
  description:
    'DeleteBucket, or PutBucketVersioning with Status Suspended, on a bucket a trail delivers to (learned from CreateTrail/UpdateTrail): logs stop arriving, or can be overwritten for good. Medium for a bucket whose name says cloudtrail but which no trail in the stream named; a refused attempt is one level lower.',
  runbook:
    'Recreate the bucket or resume versioning at once, point the trail back at it and check GetTrailStatus; treat the caller as compromised until explained.',
  events: { sources: [S3], names: ['DeleteBucket', 'PutBucketVersioning'] },
  reads: ['requestParameters.VersioningConfiguration', 'requestParameters.bucketName'],
  dedup: {
    key: (r) => `${str(param(r, 'bucketName')) ?? ''}|${r.eventName}${failed(r) ? '|attempt' : ''}`,
    windowSeconds: 3600,
  },
  lastState: true,
  evaluate(record, context) {
    const attempt = denied(record);
    if (failed(record) && !attempt) return undefined;
    const bucket = str(param(record, 'bucketName'));
    if (bucket === undefined) return undefined;
    // Learned from CreateTrail/UpdateTrail and kept in the state store (learnedFacts.ts).
    const learned = knownBefore(record, context, FACTS.trailBucket, bucket);
    if (!learned && !/cloudtrail/i.test(bucket)) return undefined;
    if (
      record.eventName === 'PutBucketVersioning' &&
      versioningStatus(record.requestParameters) !== 'Suspended'
    ) {
      return undefined;
    }
    const base = learned ? 'high' : 'medium';
    const severity = attempt ? (base === 'high' ? 'medium' : 'low') : base;
    const what = record.eventName === 'DeleteBucket' ? 'deleted' : 'versioning suspended';
    return {
      severity,
      summary: `${attempt ? 'refused attempt: ' : ''}trail bucket ${bucket} ${what} by ${principalOf(record)}`,
      resource: bucket,
      details: { learnedTrailBucket: learned, attempt },
    };
  },
};
