import type { StateVersion } from './ports.js';
import type { CloudTrailRecord } from './record.js';
import { homeAccount, obj, param, response, str } from './rules/support.js';

/**
 * A CloudTrail trail's protective settings, as the field-level trail rule compares them. A
 * missing field is unknown. `kmsKeyId` is `none` when the trail is known to be unencrypted.
 */
export interface TrailState {
  bucket?: string;
  /** The key prefix log files are written under (`''`: none). */
  prefix?: string;
  kmsKeyId?: string;
  validation?: boolean;
  multiRegion?: boolean;
  globalEvents?: boolean;
}

/** The state kind trail settings are kept under. */
export const TRAIL_KIND = 'trail';

/** `none`: no KMS key (log files encrypted with SSE-S3 only). */
export const NO_KEY = 'none';

/**
 * The trail a record names, as `<account>/<name>`: the API takes the name or the ARN
 * (`arn:aws:cloudtrail:us-east-1:111122223333:trail/org-trail`), and both must be one trail.
 */
export function trailKey(record: CloudTrailRecord): string | undefined {
  const raw =
    str(param(record, 'name')) ??
    str(param(record, 'trailName')) ??
    str(response(record, 'trailARN'));
  if (raw === undefined) return undefined;
  const arn = /^arn:[^:]+:cloudtrail:[^:]*:(\d{12}):trail\/(.+)$/.exec(raw);
  if (arn !== null) return `${arn[1]}/${arn[2]}`;
  const account = homeAccount(record);
  return account === undefined ? undefined : `${account}/${raw}`;
}

/** The trail name of a key (`111122223333/org-trail` → `org-trail`), for summaries. */
export function trailName(key: string): string {
  return key.slice(key.indexOf('/') + 1);
}

/**
 * A key prefix as CloudTrail uses it: `logs` and `logs/` both put files under `logs/AWSLogs/`,
 * so the trailing slash is not kept.
 */
export function prefixOf(value: unknown): string | undefined {
  return typeof value === 'string' ? value.replace(/\/+$/, '') : undefined;
}

function bool(value: unknown): boolean | undefined {
  return typeof value === 'boolean' ? value : undefined;
}

/**
 * The settings a record shows. The response of CreateTrail and UpdateTrail is the trail's
 * resulting configuration (a key-less trail has no `kmsKeyId` there), so it decides; the
 * request only shows what it changes (`kmsKeyId: ""` removes the key). CreateTrail without a
 * response falls back on the API's defaults for what the request leaves out.
 */
export function trailStateOf(record: CloudTrailRecord): TrailState {
  const out: TrailState = {};
  const result = obj(record.responseElements);
  if (result !== undefined && (str(result.trailARN) !== undefined || str(result.s3BucketName))) {
    const bucket = str(result.s3BucketName);
    if (bucket !== undefined) out.bucket = bucket;
    out.prefix = prefixOf(result.s3KeyPrefix) ?? '';
    out.kmsKeyId = str(result.kmsKeyId) ?? NO_KEY;
    const validation = bool(result.logFileValidationEnabled);
    if (validation !== undefined) out.validation = validation;
    const multi = bool(result.isMultiRegionTrail);
    if (multi !== undefined) out.multiRegion = multi;
    const global = bool(result.includeGlobalServiceEvents);
    if (global !== undefined) out.globalEvents = global;
    return out;
  }
  const created = record.eventName === 'CreateTrail';
  const bucket = str(param(record, 's3BucketName'));
  if (bucket !== undefined) out.bucket = bucket;
  const prefix = prefixOf(param(record, 's3KeyPrefix'));
  if (prefix !== undefined || created) out.prefix = prefix ?? '';
  const key = param(record, 'kmsKeyId');
  if (typeof key === 'string') out.kmsKeyId = key === '' ? NO_KEY : key;
  else if (created) out.kmsKeyId = NO_KEY;
  const validation = bool(param(record, 'enableLogFileValidation'));
  if (validation !== undefined || created) out.validation = validation ?? false;
  const multi = bool(param(record, 'isMultiRegionTrail'));
  if (multi !== undefined || created) out.multiRegion = multi ?? false;
  const global = bool(param(record, 'includeGlobalServiceEvents'));
  if (global !== undefined || created) out.globalEvents = global ?? true;
  return out;
}

/** The trail a CloudTrail record touches and the settings it leaves it with. */
export function trailTracked(record: CloudTrailRecord): {
  kind: string;
  subject: string;
  next: (previous: StateVersion | undefined) => string | null | undefined;
}[] {
  const subject = trailKey(record);
  if (subject === undefined) return [];
  switch (record.eventName) {
    case 'CreateTrail': {
      const shown = trailStateOf(record);
      return [{ kind: TRAIL_KIND, subject, next: () => JSON.stringify(shown) }];
    }
    case 'UpdateTrail': {
      const shown = trailStateOf(record);
      return [
        {
          kind: TRAIL_KIND,
          subject,
          next: (previous) => {
            let before: TrailState = {};
            try {
              before = previous?.state ? (JSON.parse(previous.state) as TrailState) : {};
            } catch {
              before = {};
            }
            return JSON.stringify({ ...before, ...shown });
          },
        },
      ];
    }
    case 'DeleteTrail':
      return [{ kind: TRAIL_KIND, subject, next: () => null }];
    default:
      return [];
  }
}
