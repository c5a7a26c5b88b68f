import type { CloudTrailRecord } from '../record.js';
import type { Rule } from '../types.js';
import { CLOUDTRAIL, failed, obj, param, principalOf, str, strings } from './support.js';

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

/**
 * A trail narrowed: event selectors that drop management events, or UpdateTrail changing the
 * delivery bucket, disabling multi-region or global events, or log file validation.
 */
export const cloudtrailNarrowed: Rule = {
  id: 'cloudtrail-narrowed',
  title: 'CloudTrail trail narrowed',
  severity: 'high',
  mitre: { tactic: 'Defense Evasion', technique: 'T1562.008 Disable or Modify Cloud Logs' },
  description:
    'PutEventSelectors that drops management events, or UpdateTrail that moves delivery to another bucket or turns off multi-region/global events/log validation: gateway management may no longer be recorded.',
  runbook:
    'Restore the trail’s selectors (management events, read and write) and settings; find who changed them and why.',
  events: { sources: [CLOUDTRAIL], names: ['PutEventSelectors', 'UpdateTrail'] },
  reads: [
    'requestParameters.advancedEventSelectors',
    'requestParameters.enableLogFileValidation',
    'requestParameters.eventSelectors',
    'requestParameters.includeGlobalServiceEvents',
    'requestParameters.isMultiRegionTrail',
    'requestParameters.name',
    'requestParameters.s3BucketName',
    'requestParameters.trailName',
  ],
  dedup: {
    key: (r) => str(param(r, 'trailName')) ?? str(param(r, 'name')) ?? '',
    windowSeconds: 3600,
  },
  // The console's "Edit trail" sends the unchanged bucket with every UpdateTrail: a bucket
  // counts as moved only when it is new for a trail already seen with another one.
  baseline: {
    dimension: 'trail-bucket',
    subject: (r) => str(param(r, 'name')),
    values: (r) => {
      const bucket = r.eventName === 'UpdateTrail' ? str(param(r, 's3BucketName')) : undefined;
      return bucket === undefined ? [] : [bucket];
    },
  },
  evaluate(record) {
    if (failed(record)) return undefined;
    const trail = str(param(record, 'trailName')) ?? str(param(record, 'name')) ?? 'unknown trail';
    let why: string | undefined;
    let certain = true;
    if (record.eventName === 'PutEventSelectors') {
      why = droppedManagement(record);
    } else {
      const changes: string[] = [];
      if (param(record, 'isMultiRegionTrail') === false) changes.push('multi-region off');
      if (param(record, 'includeGlobalServiceEvents') === false)
        changes.push('global service events off');
      if (param(record, 'enableLogFileValidation') === false)
        changes.push('log file validation off');
      certain = changes.length > 0;
      if (str(param(record, 's3BucketName')) !== undefined) changes.push('delivery bucket changed');
      why = changes.length > 0 ? changes.join(', ') : undefined;
    }
    if (why === undefined) return undefined;
    return {
      summary: `trail ${trail} narrowed by ${principalOf(record)}: ${why}`,
      resource: trail,
      details: { change: why },
      certain,
    };
  },
};
