import middy from '@middy/core';
import type { EventBridgeEvent, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { z } from 'zod';
import { OrganizationsAccountNames } from '../lib/aws/accountNames.js';
import { ChatWebhookSink, SecretsManagerWebhookUrl } from '../lib/aws/chatWebhookSink.js';
import { EventBridgeAlertSink, SnsAlertSink } from '../lib/aws/alertSinks.js';
import { SqsDeadLetterQueue } from '../lib/aws/deadLetter.js';
import { dynamoDetectionState } from '../lib/aws/detectionState.js';
import { OnDemandRotationTrigger } from '../lib/aws/rotationTrigger.js';
import { CachedAccountNames } from '../lib/detection/accountNames.js';
import { DeliveryTracker } from '../lib/detection/delivery.js';
import { flushBursts, type FlushResult } from '../lib/detection/bursts.js';
import {
  deployedRotators,
  parseDetectionConfigJson,
  type DetectionConfig,
} from '../lib/detection/config.js';
import { DetectionEngine } from '../lib/detection/engine.js';
import { DetectionError } from '../lib/detection/errors.js';
import { bestEffort, thresholdedSinks } from '../lib/detection/noise.js';
import {
  processBatch,
  type BatchItem,
  type BatchResult,
  type ProcessDeps,
  type ProcessLogger,
} from '../lib/detection/process.js';
import { allRules } from '../lib/detection/registry.js';
import { ENV, requireEnv } from '../lib/shared/env.js';
import { logger, safe } from '../lib/shared/logger.js';

/**
 * The `detect` function. The detect rules deliver CloudTrail events ("AWS API Call via
 * CloudTrail", "AWS Service Event via CloudTrail", console sign-ins) to the detect queue, and
 * Lambda invokes it with SQS batches of them (resources/detect-buffer.yml: a storm of events
 * costs one invocation per batch, at a bounded concurrency); it still accepts one EventBridge
 * event invoked directly. Either way only `aws.` sources its rules route are evaluated
 * (lib/detection/sources.ts).
 *
 * A schedule invokes it with `{"flushBursts": true}` to send the summary of every burst whose
 * window has closed (the first finding of a burst alerts at once; see lib/detection/bursts.ts).
 *
 * A malformed event is logged with its reason and dead-lettered, never dropped and never in the
 * way of the others. An event that could not be alerted on (a channel down) fails: EventBridge
 * retries the invocation and then sends it to the DLQ; an SQS batch reports just that message.
 */
export type CloudTrailEventBridgeEvent = EventBridgeEvent<
  'AWS API Call via CloudTrail' | 'AWS Service Event via CloudTrail',
  Record<string, unknown>
>;
/** The scheduled flush that sends burst summaries (input of the detect schedule). */
export interface FlushBurstsEvent {
  flushBursts: true;
}
export type DetectEvent = CloudTrailEventBridgeEvent | SQSEvent | FlushBurstsEvent;
export type DetectResult =
  SQSBatchResponse | { counts: BatchResult['counts'] } | { flushed: FlushResult };

const flushEventSchema = z.object({ flushBursts: z.literal(true) }).strict();

/** An SQS batch is recognised by its records; anything else is one EventBridge event. */
const sqsEventSchema = z.object({
  Records: z
    .array(
      z
        .object({
          messageId: z.string().min(1),
          body: z.string(),
          eventSource: z.literal('aws:sqs'),
        })
        .passthrough(),
    )
    .min(1),
});

/** Raised so that Lambda retries an EventBridge event (and finally dead-letters it). */
export class DetectInvocationError extends DetectionError {}

/** Splits an invocation into batch items, keeping each event's raw text for the DLQ. */
export function toBatch(event: unknown): { items: BatchItem[]; sqs: boolean } {
  const sqs = sqsEventSchema.safeParse(event);
  if (sqs.success) {
    return {
      sqs: true,
      items: sqs.data.Records.map((record) => ({ itemId: record.messageId, body: record.body })),
    };
  }
  const id = z.object({ id: z.string() }).safeParse(event);
  return {
    sqs: false,
    items: [{ itemId: id.success ? id.data.id : 'event', body: JSON.stringify(event) ?? 'null' }],
  };
}

/** Builds the handler around its dependencies (the wiring seam for tests). */
export function makeHandler(deps: ProcessDeps | (() => ProcessDeps)) {
  let resolved: ProcessDeps | undefined;
  return middy(async (event: DetectEvent): Promise<DetectResult> => {
    resolved ??= typeof deps === 'function' ? deps() : deps;
    if (flushEventSchema.safeParse(event).success) {
      const bursts = resolved.bursts;
      const flushed =
        bursts === undefined
          ? { summaries: 0, single: 0, busy: 0, failed: 0 }
          : await flushBursts({
              bursts,
              sinks: resolved.sinks,
              logger: resolved.logger,
              ...(resolved.now === undefined ? {} : { now: resolved.now }),
              ...(resolved.accountNames === undefined
                ? {}
                : { accountNames: resolved.accountNames }),
            });
      logger.info('burst flush', safe({ flushed }));
      return { flushed };
    }
    const { items, sqs } = toBatch(event);
    const result = await processBatch(items, resolved);
    logger.info('detect batch', safe({ counts: result.counts }));
    const failures = result.items.filter((item) => item.status === 'failed');
    if (sqs) {
      return { batchItemFailures: failures.map((item) => ({ itemIdentifier: item.itemId })) };
    }
    const failure = failures[0];
    if (failure?.status === 'failed') {
      throw new DetectInvocationError(failure.reason, { context: { itemId: failure.itemId } });
    }
    return { counts: result.counts };
  });
}

/** Reads the detection configuration from the environment; `{}` or unset = defaults. */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): DetectionConfig {
  const text = env[ENV.detectionConfig];
  const config = parseDetectionConfigJson(
    text && text.trim() !== '' ? text : '{}',
    ENV.detectionConfig,
  );
  // The stack parameter decides when it is set: `true` switches remediation on without editing
  // the JSON, and `false` keeps it off, because the role then holds no RotateSecret grant.
  const setting = env[ENV.autoRemediation];
  if (setting === 'true' || setting === 'false') config.remediation.enabled = setting === 'true';
  // The trail the deployment reads (its report's bucket and prefix), unless the JSON names one.
  const trailBucket = env[ENV.trailBucket];
  if (config.trail === undefined && trailBucket !== undefined && trailBucket.length >= 3) {
    config.trail = { bucket: trailBucket, prefix: env[ENV.trailPrefix] ?? '' };
  }
  // The deployed rotator roles, by ARN: they read gateway secrets and change providers.
  config.rotatorPrincipals.push(...deployedRotators(env));
  return config;
}

const ORGANIZATION_ID = /^o-[a-z0-9]{10,32}$/;

/** Production wiring: DynamoDB state, SNS + bus + optional chat, SQS dead letters. */
export function defaultDeps(env: NodeJS.ProcessEnv = process.env): ProcessDeps {
  const config = configFromEnv(env);
  const state = dynamoDetectionState({ tableName: requireEnv(ENV.stateTable, env) });
  const stage = env[ENV.stage];
  const webhookSecret = env[ENV.chatWebhookSecretId];
  const sinks = thresholdedSinks(config.channels, {
    sns: new SnsAlertSink(requireEnv(ENV.alertTopicArn, env)),
    eventBridge: new EventBridgeAlertSink(requireEnv(ENV.eventBusName, env)),
    ...(webhookSecret
      ? {
          webhook: bestEffort(
            new ChatWebhookSink(new SecretsManagerWebhookUrl(webhookSecret)),
            (channel, error) =>
              logger.error('optional alert channel failed', safe({ channel, error })),
          ),
        }
      : {}),
  });
  return {
    engine: new DetectionEngine({
      config,
      state,
      rules: allRules,
      ...(env[ENV.accountId] ? { homeAccountId: env[ENV.accountId] } : {}),
    }),
    rules: allRules,
    dedup: state.dedup,
    remediation: config.remediation,
    sinks,
    deadLetters: new SqsDeadLetterQueue(requireEnv(ENV.deadLetterQueueUrl, env)),
    ...(config.remediation.enabled ? { rotation: new OnDemandRotationTrigger() } : {}),
    bursts: state.bursts,
    // When each account and region last delivered an event, and the members' heartbeats (a
    // central stage's; `doctor --org` reads them). A stage of its own records its own account:
    // one write per region and 5 minutes at most.
    ...(stage ? { delivery: { tracker: new DeliveryTracker(state.delivery), stage } } : {}),
    ...(ORGANIZATION_ID.test(env[ENV.organizationId] ?? '')
      ? {
          accountNames: {
            source: new CachedAccountNames(new OrganizationsAccountNames()),
            ...(env[ENV.accountId] ? { homeAccountId: env[ENV.accountId] } : {}),
          },
        }
      : {}),
    logger: redactingLogger({
      info: (message, attributes) => logger.info(message, attributes ?? {}),
      warn: (message, attributes) => logger.warn(message, attributes ?? {}),
      error: (message, attributes) => logger.error(message, attributes ?? {}),
    }),
  };
}

/** Every structured attribute goes through the redaction helper before it is written. */
export function redactingLogger(target: ProcessLogger): ProcessLogger {
  return {
    info: (message, attributes) => target.info(message, safe(attributes ?? {})),
    warn: (message, attributes) => target.warn(message, safe(attributes ?? {})),
    error: (message, attributes) => target.error(message, safe(attributes ?? {})),
  };
}

// Resolved on the first invocation, so importing this module needs no environment.
export const handler = makeHandler(() => defaultDeps());
