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
    eventVersion: z.string().regex(/^1\.(0[5-9]|1[0-9])$/, 'eventVersion must be 1.05–1.19'),
    eventID: z.string().min(1),
    eventTime: z.string().min(1),
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
      .optional(),
  })
  .passthrough();

export type CloudTrailRecord = z.infer<typeof cloudTrailRecordSchema>;
