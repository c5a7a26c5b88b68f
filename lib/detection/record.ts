import { z } from 'zod';

/**
 * A CloudTrail record, as delivered in S3 log files and as the `detail` of an EventBridge
 * "AWS API Call via CloudTrail" event. Tolerant of unknown fields (CloudTrail adds fields
 * over time) and of a wrongly typed optional field (dropped, so one odd field does not cost
 * the whole record); strict on the few fields the engine cannot work without: eventVersion,
 * eventID, eventTime, eventSource, eventName and a userIdentity object.
 */
const sessionIssuer = z
  .object({
    type: z.string().optional().catch(undefined),
    principalId: z.string().optional().catch(undefined),
    arn: z.string().optional().catch(undefined),
    accountId: z.string().optional().catch(undefined),
    userName: z.string().optional().catch(undefined),
  })
  .passthrough();

export const userIdentitySchema = z
  .object({
    type: z.string().optional().catch(undefined),
    principalId: z.string().optional().catch(undefined),
    arn: z.string().optional().catch(undefined),
    accountId: z.string().optional().catch(undefined),
    accessKeyId: z.string().optional().catch(undefined),
    userName: z.string().optional().catch(undefined),
    invokedBy: z.string().optional().catch(undefined),
    sessionContext: z
      .object({
        sessionIssuer: sessionIssuer.optional().catch(undefined),
        attributes: z.record(z.string(), z.unknown()).optional().catch(undefined),
      })
      .passthrough()
      .optional()
      .catch(undefined),
  })
  .passthrough();

export const cloudTrailRecordSchema = z
  .object({
    eventVersion: z
      .string()
      .regex(/^1\.(0[5-9]|[1-9][0-9])$/, 'eventVersion must be 1.05 or later (1.xx)'),
    eventID: z.string().min(1),
    eventTime: z
      .string()
      .min(1)
      .refine((value) => !Number.isNaN(Date.parse(value)), 'eventTime is not a timestamp'),
    eventSource: z.string().min(1),
    eventName: z.string().min(1),
    awsRegion: z.string().optional().catch(undefined),
    sourceIPAddress: z.string().optional().catch(undefined),
    userAgent: z.string().optional().catch(undefined),
    userIdentity: userIdentitySchema,
    requestParameters: z.record(z.string(), z.unknown()).nullable().optional().catch(undefined),
    responseElements: z.record(z.string(), z.unknown()).nullable().optional().catch(undefined),
    additionalEventData: z.record(z.string(), z.unknown()).nullable().optional().catch(undefined),
    errorCode: z.string().optional().catch(undefined),
    errorMessage: z.string().optional().catch(undefined),
    readOnly: z.boolean().optional().catch(undefined),
    eventType: z.string().optional().catch(undefined),
    managementEvent: z.boolean().optional().catch(undefined),
    recipientAccountId: z.string().optional().catch(undefined),
    eventCategory: z.string().optional().catch(undefined),
    resources: z
      .array(
        z
          .object({ ARN: z.string().optional().catch(undefined), type: z.string().optional() })
          .passthrough(),
      )
      .nullable()
      .optional()
      .catch(undefined),
  })
  .passthrough();

export type CloudTrailRecord = z.infer<typeof cloudTrailRecordSchema>;

/** The outcome of validating one record: the typed record, or a reason naming path and problem. */
export type RecordResult = { ok: true; record: CloudTrailRecord } | { ok: false; reason: string };

/**
 * Validates one decoded JSON value as a CloudTrail record. Never throws: a bad record yields a
 * reason such as `userIdentity: expected object, received undefined`, which names no value
 * (values may be secret).
 */
export function validateRecord(value: unknown): RecordResult {
  // Almost every real record is well-formed: check it in place without copying, and leave
  // the full parse (which copies, drops bad optional fields and explains failures) to the
  // rest. `isWellFormed` accepts only what `parseRecord` accepts unchanged.
  if (isWellFormed(value)) return { ok: true, record: value };
  return parseRecord(value);
}

/**
 * The full parse behind {@link validateRecord}, for records the in-place check turns away.
 *
 * zod leaves an own `__proto__` key out of every object it copies (assigning one would swap the
 * copy's prototype), while `JSON.parse` keeps it as an ordinary key and so does the in-place
 * path. A record must mean the same whichever path validates it, and a key the caller sent must
 * not vanish from what rules and alerts see, so the parse puts such keys back as plain data
 * properties (never by assignment, so nothing's prototype changes).
 */
export function parseRecord(value: unknown): RecordResult {
  const parsed = cloudTrailRecordSchema.safeParse(value);
  if (parsed.success) {
    restoreProtoKeys(value, parsed.data);
    return { ok: true, record: parsed.data };
  }
  const reason = parsed.error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.map(String).join('.') || '(record)'}: ${issue.message}`)
    .join('; ');
  return { ok: false, reason };
}

/**
 * Copies each own `__proto__` key of `input` onto the matching object of zod's `output`, as a
 * data property. Walks only where zod made a copy: values it passes through unchanged are the
 * input's own objects and still hold their keys.
 */
function restoreProtoKeys(input: unknown, output: unknown): void {
  if (input === output || !isObject(input) || !isObject(output)) return;
  if (Array.isArray(input) !== Array.isArray(output)) return;
  const proto = Object.getOwnPropertyDescriptor(input, '__proto__');
  if (proto !== undefined && 'value' in proto && !Object.hasOwn(output, '__proto__')) {
    Object.defineProperty(output, '__proto__', {
      value: proto.value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  for (const key of Object.keys(output)) {
    restoreProtoKeys(
      Object.getOwnPropertyDescriptor(input, key)?.value,
      Object.getOwnPropertyDescriptor(output, key)?.value,
    );
  }
}

function isObject(value: unknown): value is object {
  return value !== null && typeof value === 'object';
}

const VERSION = /^1\.(0[5-9]|[1-9][0-9])$/;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  return Object.getPrototypeOf(value) === Object.prototype;
}

function optionalString(value: unknown): boolean {
  return value === undefined || typeof value === 'string';
}

function nonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

function optionalObject(value: unknown, nullable: boolean): boolean {
  return value === undefined || (nullable && value === null) || isPlainObject(value);
}

function stringFields(o: Record<string, unknown>, keys: readonly string[]): boolean {
  for (const key of keys) if (!optionalString(o[key])) return false;
  return true;
}

const IDENTITY_STRINGS = [
  'type',
  'principalId',
  'arn',
  'accountId',
  'accessKeyId',
  'userName',
  'invokedBy',
];
const ISSUER_STRINGS = ['type', 'principalId', 'arn', 'accountId', 'userName'];
const RECORD_STRINGS = [
  'awsRegion',
  'sourceIPAddress',
  'userAgent',
  'errorCode',
  'errorMessage',
  'eventType',
  'recipientAccountId',
  'eventCategory',
];

/** The fast path of {@link validateRecord}: true only when {@link parseRecord} would accept `value` as is. */
export function isWellFormed(value: unknown): value is CloudTrailRecord {
  if (!isPlainObject(value)) return false;
  const r = value;
  if (typeof r.eventVersion !== 'string' || !VERSION.test(r.eventVersion)) return false;
  if (
    !nonEmptyString(r.eventID) ||
    !nonEmptyString(r.eventSource) ||
    !nonEmptyString(r.eventName)
  ) {
    return false;
  }
  if (!nonEmptyString(r.eventTime) || Number.isNaN(Date.parse(r.eventTime))) return false;
  const id = r.userIdentity;
  if (!isPlainObject(id) || !stringFields(id, IDENTITY_STRINGS)) return false;
  const session = id.sessionContext;
  if (session !== undefined) {
    if (!isPlainObject(session)) return false;
    const issuer = session.sessionIssuer;
    if (issuer !== undefined && (!isPlainObject(issuer) || !stringFields(issuer, ISSUER_STRINGS))) {
      return false;
    }
    if (!optionalObject(session.attributes, false)) return false;
  }
  if (!stringFields(r, RECORD_STRINGS)) return false;
  if (r.readOnly !== undefined && typeof r.readOnly !== 'boolean') return false;
  if (r.managementEvent !== undefined && typeof r.managementEvent !== 'boolean') return false;
  if (!optionalObject(r.requestParameters, true)) return false;
  if (!optionalObject(r.responseElements, true)) return false;
  if (!optionalObject(r.additionalEventData, true)) return false;
  const resources = r.resources;
  if (resources !== undefined && resources !== null) {
    if (!Array.isArray(resources)) return false;
    for (const resource of resources) {
      if (
        !isPlainObject(resource) ||
        !optionalString(resource.ARN) ||
        !optionalString(resource.type)
      ) {
        return false;
      }
    }
  }
  return true;
}
