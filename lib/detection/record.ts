import { z } from 'zod';

/**
 * A CloudTrail record, as delivered in S3 log files and as the `detail` of an EventBridge
 * "AWS API Call via CloudTrail" event. Tolerant of unknown fields (CloudTrail adds fields
 * over time); strict on the few fields the engine cannot work without.
 */
const sessionIssuer = z
  .object({
    type: z.string().optional(),
    principalId: z.string().optional(),
    arn: z.string().optional(),
    accountId: z.string().optional(),
    userName: z.string().optional(),
  })
  .passthrough();

export const userIdentitySchema = z
  .object({
    type: z.string().optional(),
    principalId: z.string().optional(),
    arn: z.string().optional(),
    accountId: z.string().optional(),
    accessKeyId: z.string().optional(),
    userName: z.string().optional(),
    invokedBy: z.string().optional(),
    sessionContext: z
      .object({
        sessionIssuer: sessionIssuer.optional(),
        attributes: z.record(z.string(), z.unknown()).optional(),
      })
      .passthrough()
      .optional(),
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
    awsRegion: z.string().optional(),
    sourceIPAddress: z.string().optional(),
    userAgent: z.string().optional(),
    userIdentity: userIdentitySchema,
    requestParameters: z.record(z.string(), z.unknown()).nullable().optional(),
    responseElements: z.record(z.string(), z.unknown()).nullable().optional(),
    additionalEventData: z.record(z.string(), z.unknown()).nullable().optional(),
    errorCode: z.string().optional(),
    errorMessage: z.string().optional(),
    readOnly: z.boolean().optional(),
    eventType: z.string().optional(),
    managementEvent: z.boolean().optional(),
    recipientAccountId: z.string().optional(),
    eventCategory: z.string().optional(),
    resources: z
      .array(z.object({ ARN: z.string().optional(), type: z.string().optional() }).passthrough())
      .nullable()
      .optional(),
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
