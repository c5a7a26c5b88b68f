import type { CloudTrailRecord } from '../record.js';
import { NO_KEY, TRAIL_KIND, trailKey, trailName, type TrailState } from '../trailState.js';
import type { DetectionContext, Rule, RuleMatch } from '../types.js';
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

/**
 * What an UpdateTrail took away, against the trail's last known settings (CreateTrail, an
 * earlier UpdateTrail). With no earlier state, the record shows the change itself: a switch the
 * request sets to false, a key the request removes (`kmsKeyId: ""`). The console's "Edit
 * trail" resends every setting, so a false that was already false is no change.
 */
export function trailWeakening(record: CloudTrailRecord, context: DetectionContext): string[] {
  const change = changeOf<TrailState>(record, context, TRAIL_KIND);
  const before = change?.previous ?? undefined;
  const after = change?.current ?? undefined;
  if (after === undefined) return [];
  const out: string[] = [];
  for (const [field, member, what] of SWITCHES) {
    if (after[field] !== false) continue;
    const was = before?.[field];
    if (was === true || (was === undefined && param(record, member) === false)) out.push(what);
  }
  const key = after.kmsKeyId;
  const keyBefore = before?.kmsKeyId;
  if (key === NO_KEY) {
    if (
      (keyBefore !== undefined && keyBefore !== NO_KEY) ||
      (keyBefore === undefined && param(record, 'kmsKeyId') === '')
    ) {
      out.push('KMS encryption removed');
    }
  } else if (key !== undefined && key !== keyBefore && foreignArn(key, record, context)) {
    // Log files encrypted under another account's key: whoever holds it decides who reads them.
    out.push('log files encrypted with another account’s KMS key');
  }
  if (
    after.bucket !== undefined &&
    before?.bucket !== undefined &&
    after.bucket !== before.bucket
  ) {
    out.push(`delivery moved from bucket ${before.bucket} to ${after.bucket}`);
  }
  return out;
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
    'PutEventSelectors that drops management events, or UpdateTrail that moves delivery to another bucket, removes the KMS key or sets one from another account, or turns off multi-region/global events/log validation (against the trail’s last known settings, named by name or ARN; without them, what the request itself turns off): gateway management may no longer be recorded. PutInsightSelectors that empties the Insights selectors is medium.',
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
      why = changes.length > 0 ? changes.join(', ') : undefined;
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
