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
  const parsed = cloudTrailRecordSchema.safeParse(value);
  if (parsed.success) return { ok: true, record: parsed.data };
  const reason = parsed.error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.map(String).join('.') || '(record)'}: ${issue.message}`)
    .join('; ');
  return { ok: false, reason };
}
