import type { CloudTrailRecord } from '../record.js';
import {
  NO_KEY,
  TRAIL_KIND,
  prefixOf,
  trailKey,
  trailName,
  type TrailState,
} from '../trailState.js';
import {
  compareSeverity,
  type DetectionContext,
  type Rule,
  type RuleMatch,
  type Severity,
} from '../types.js';
import { changeOf, foreignArn } from './lastState.js';
import { CLOUDTRAIL, failed, obj, param, principalOf, strings } from './support.js';

/** Why a selector change drops management events, or undefined when it does not. */
export function droppedManagement(record: CloudTrailRecord): string | undefined {
  const basic = param(record, 'eventSelectors');
  if (Array.isArray(basic)) {
    const selectors = basic.map(obj).filter((s) => s !== undefined);
    if (selectors.length === 0) return 'event selectors emptied';
    const includes = selectors.filter((s) => s.includeManagementEvents !== false);
    if (includes.length === 0) return 'management events excluded';
    if (includes.every((s) => s.readWriteType === 'ReadOnly'))
      return 'write management events excluded';
    if (includes.every((s) => s.readWriteType === 'WriteOnly'))
      return 'read management events excluded';
    // Excluding RDS Data API events is a common cost saving and hides nothing gatewarden
    // watches; excluding KMS hides key deletion (the token vault and secrets depend on it).
    const excluded = includes.flatMap((s) =>
      strings(s.excludeManagementEventSources).filter(
        (source) => source !== 'rdsdata.amazonaws.com',
      ),
    );
    if (excluded.length > 0) return `management events of ${excluded.join(', ')} excluded`;
    return undefined;
  }
  const advanced = param(record, 'advancedEventSelectors');
  if (Array.isArray(advanced)) {
    const management = advanced.map(obj).filter((selector) => {
      const fields = selector?.fieldSelectors;
      if (!Array.isArray(fields)) return false;
      return fields.some((f) => {
        const field = obj(f);
        return field?.field === 'eventCategory' && strings(field.equals).includes('Management');
      });
    });
    if (management.length === 0) return 'advanced selectors without management events';
    const narrowed = management.some((selector) =>
      (selector?.fieldSelectors as unknown[]).some((f) => {
        const field = obj(f);
        if (field?.field === 'readOnly') return true;
        if (field?.field !== 'eventSource') return false;
        // The advanced form of excluding RDS Data API events (see above) narrows nothing here.
        const excluded = strings(field.notEquals).filter((e) => e !== 'rdsdata.amazonaws.com');
        return (
          excluded.length > 0 || Object.keys(field).some((k) => k !== 'field' && k !== 'notEquals')
        );
      }),
    );
    return narrowed ? 'management events filtered by advanced selectors' : undefined;
  }
  return undefined;
}

/** The protective switches UpdateTrail can turn off, with the request member that sets each. */
const SWITCHES = [
  ['validation', 'enableLogFileValidation', 'log file validation off'],
  ['multiRegion', 'isMultiRegionTrail', 'multi-region off'],
  ['globalEvents', 'includeGlobalServiceEvents', 'global service events off'],
] as const;

/** One thing an UpdateTrail took away, and how bad it is. */
export interface TrailChange {
  what: string;
  severity: Severity;
}

/**
 * What an UpdateTrail took away, against the trail's last known settings (CreateTrail, an
 * earlier UpdateTrail). With no earlier state, the record shows the change itself: a switch the
 * request sets to false, a key the request removes (`kmsKeyId: ""`). The console's "Edit
 * trail" resends every setting, so a false that was already false is no change.
 */
export function trailWeakening(record: CloudTrailRecord, context: DetectionContext): TrailChange[] {
  const change = changeOf<TrailState>(record, context, TRAIL_KIND);
  const before = change?.previous ?? undefined;
  const after = change?.current ?? undefined;
  if (after === undefined) return [];
  const out: TrailChange[] = [];
  const high = (what: string) => out.push({ what, severity: 'high' });
  for (const [field, member, what] of SWITCHES) {
    if (after[field] !== false) continue;
    const was = before?.[field];
    if (was === true || (was === undefined && param(record, member) === false)) high(what);
  }
  const key = after.kmsKeyId;
  const keyBefore = before?.kmsKeyId;
  if (key === NO_KEY) {
    if (
      (keyBefore !== undefined && keyBefore !== NO_KEY) ||
      (keyBefore === undefined && param(record, 'kmsKeyId') === '')
    ) {
      high('KMS encryption removed');
    }
  } else if (key !== undefined && key !== keyBefore && foreignArn(key, record, context)) {
    // Log files encrypted under another account's key: whoever holds it decides who reads them.
    high('log files encrypted with another account’s KMS key');
  }
  out.push(...deliveryMoved(record, before, after, context.expectedTrail));
  return out;
}

/**
 * Delivery moved: to another bucket (high), or to another key prefix of the same bucket
 * (medium: the logs stay with their owner, but readers watching the old prefix — a SIEM's
 * notification filter, an Athena table's location — see nothing more). Against the trail's
 * last known settings; on the first update seen, against the trail gatewarden reads when it
 * is known (moved away from it: high), else reported low as "earlier setting unknown".
 */
function deliveryMoved(
  record: CloudTrailRecord,
  before: TrailState | undefined,
  after: TrailState,
  expected: DetectionContext['expectedTrail'],
): TrailChange[] {
  const out: TrailChange[] = [];
  const bucket = after.bucket;
  const reads = expected === undefined ? undefined : prefixOf(expected.prefix);
  const awayFromReader = (b: string | undefined, p: string | undefined) =>
    expected !== undefined &&
    before?.bucket === expected.bucket &&
    (b !== expected.bucket || (p !== undefined && p !== reads));
  if (bucket !== undefined && before?.bucket !== undefined && bucket !== before.bucket) {
    out.push({
      what: `delivery moved from bucket ${before.bucket} to ${bucket}`,
      severity: 'high',
    });
  } else if (bucket !== undefined && before?.bucket === undefined && sets(record, 's3BucketName')) {
    if (expected === undefined) {
      out.push({
        what: `delivery set to bucket ${bucket} (first update seen: earlier bucket unknown)`,
        severity: 'low',
      });
    } else if (bucket !== expected.bucket) {
      out.push({
        what: `delivery set to bucket ${bucket}, not ${expected.bucket} where gatewarden reads the trail`,
        severity: 'high',
      });
    }
  }
  const prefix = after.prefix;
  const sameBucket =
    bucket === undefined || before?.bucket === undefined || bucket === before.bucket;
  if (prefix === undefined || !sameBucket) return out;
  const shownPrefix = (p: string) => (p === '' ? 'no prefix' : `prefix ${p}/`);
  if (before?.prefix !== undefined) {
    if (prefix === before.prefix) return out;
    out.push({
      what: `log files moved from ${shownPrefix(before.prefix)} to ${shownPrefix(prefix)}${awayFromReader(bucket, prefix) ? ', where gatewarden no longer reads them' : ''}`,
      severity: awayFromReader(bucket, prefix) ? 'high' : 'medium',
    });
  } else if (sets(record, 's3KeyPrefix')) {
    const inBucket = bucket ?? before?.bucket;
    if (expected === undefined || inBucket === undefined) {
      out.push({
        what: `log files written under ${shownPrefix(prefix)} (first update seen: earlier prefix unknown)`,
        severity: 'low',
      });
    } else if (inBucket === expected.bucket && prefix !== reads) {
      out.push({
        what: `log files written under ${shownPrefix(prefix)}, not ${shownPrefix(reads ?? '')} where gatewarden reads the trail`,
        severity: 'high',
      });
    }
  }
  return out;
}

/** The request sets this member (a string), so the record itself shows the change. */
function sets(record: CloudTrailRecord, member: string): boolean {
  return typeof param(record, member) === 'string';
}

/**
 * A trail narrowed: event selectors that drop management events, Insights switched off, or
 * UpdateTrail moving delivery to another bucket, removing or swapping the KMS key, or turning
 * off multi-region, global service events or log file validation (compared with the trail's
 * last known settings; see trailState.ts).
 */
export const cloudtrailNarrowed: Rule = {
  id: 'cloudtrail-narrowed',
  title: 'CloudTrail trail narrowed',
  severity: 'high',
  mitre: { tactic: 'Defense Evasion', technique: 'T1562.008 Disable or Modify Cloud Logs' },
  description:
    'PutEventSelectors that drops management events, or UpdateTrail that moves delivery to another bucket (high) or key prefix (medium; high when away from the trail gatewarden reads), removes the KMS key or sets one from another account, or turns off multi-region/global events/log validation (against the trail’s last known settings, named by name or ARN; without them, what the request itself turns off, and a bucket or prefix it sets judged against the trail gatewarden reads, or reported low as “earlier setting unknown”): gateway management may no longer be recorded. PutInsightSelectors that empties the Insights selectors is medium.',
  runbook:
    'Restore the trail’s selectors (management events, read and write) and settings (bucket, KMS key, validation, multi-region, global events); find who changed them and why.',
  events: {
    sources: [CLOUDTRAIL],
    names: ['PutEventSelectors', 'PutInsightSelectors', 'CreateTrail', 'UpdateTrail'],
  },
  lastState: true,
  reads: [
    'requestParameters.advancedEventSelectors',
    'requestParameters.enableLogFileValidation',
    'requestParameters.eventSelectors',
    'requestParameters.includeGlobalServiceEvents',
    'requestParameters.insightSelectors',
    'requestParameters.isMultiRegionTrail',
    'requestParameters.kmsKeyId',
    'requestParameters.name',
    'requestParameters.s3BucketName',
    'requestParameters.s3KeyPrefix',
    'requestParameters.trailName',
  ],
  dedup: { key: (r) => trailKey(r) ?? '', windowSeconds: 3600 },
  evaluate(record, context): RuleMatch | undefined {
    if (failed(record)) return undefined;
    const key = trailKey(record);
    const trail = key === undefined ? 'unknown trail' : trailName(key);
    let why: string | undefined;
    let severity: RuleMatch['severity'];
    if (record.eventName === 'PutEventSelectors') {
      why = droppedManagement(record);
    } else if (record.eventName === 'PutInsightSelectors') {
      const insights = param(record, 'insightSelectors');
      if (Array.isArray(insights) && insights.length === 0) {
        why = 'Insights selectors emptied (unusual API activity no longer flagged)';
        severity = 'medium';
      }
    } else if (record.eventName === 'UpdateTrail') {
      const changes = trailWeakening(record, context);
      why = changes.length > 0 ? changes.map((c) => c.what).join(', ') : undefined;
      const worst = changes.reduce<Severity>(
        (max, c) => (compareSeverity(c.severity, max) > 0 ? c.severity : max),
        'info',
      );
      if (worst !== 'high') severity = worst;
    }
    if (why === undefined) return undefined;
    return {
      ...(severity === undefined ? {} : { severity }),
      summary: `trail ${trail} narrowed by ${principalOf(record)}: ${why}`,
      resource: key ?? trail,
      details: { change: why },
      facts: [`change=${why}`],
    };
  },
};
