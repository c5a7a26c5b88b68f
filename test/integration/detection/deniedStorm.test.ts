import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { SNSClient } from '@aws-sdk/client-sns';
import {
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { defaultDeps, makeHandler } from '../../../functions/detect.js';
import { asFunctionRole } from '../../../local/functionRole.js';
import { LOCAL_STAGE } from '../../../scripts/localStage.js';
import { localClient, uniqueName } from '../../support/localStack.js';
import { createQueue, subscribeQueue } from '../../support/queues.js';
import { pollQueue } from '../../support/queuePoller.js';
import { putServiceEvents } from '../../support/serviceEvents.js';
import { openRoleStack, type RoleStack } from '../roles/support.js';
import { drain } from './stack.js';

/**
 * A storm of refused calls (issue 17, point 13): anyone holding any credential can make calls
 * that fail with AccessDenied as fast as they like, and a detect rule must see every one. On a
 * local stack that enforces IAM, with the local stage deployed from the template, N such events
 * (GATEWARDEN_STORM_EVENTS, default 300; `npm run bench:storm` sends 10,000: the local
 * stack applies DynamoDB requests one at a time, about six per event here) within one minute
 * of event time take the real path: CloudTrail's delivery to the default bus → the deployed
 * access-denied rule → the detect queue → the detect handler, run as its role in batches as the
 * event source mapping does (batch size, window and concurrency as deployed). It shows bounded
 * invocations, every event evaluated once (none lost, none dead-lettered), and one alert.
 */

const EVENTS = Number(process.env.GATEWARDEN_STORM_EVENTS ?? 300);
const BATCH_SIZE = 100; // serverless.yml params.detectBatchSize
const MAX_CONCURRENCY = 5; // params.detectMaxConcurrency
const WINDOW_MS = 5_000; // params.detectBatchWindowSeconds
const PUTS_IN_FLIGHT = 4;
const context = {} as Context;

/** A refused ListSecrets by one leaked key, as CloudTrail logs it (the rule's own fixture). */
function deniedRecord(i: number, t0: number, tag: string): Record<string, unknown> {
  const fixtures = JSON.parse(
    readFileSync('lib/detection/rules/accessDeniedBurst.fixtures.json', 'utf8'),
  ) as { cases: { records: Record<string, unknown>[] }[] };
  const base = fixtures.cases[0]?.records[0] ?? {};
  return {
    ...base,
    userIdentity: {
      ...(base.userIdentity as Record<string, unknown>),
      arn: `arn:aws:iam::123456789012:user/${tag}`,
      userName: tag,
      accountId: '123456789012',
    },
    recipientAccountId: '123456789012',
    eventID: `${tag}-${String(i).padStart(6, '0')}`,
    requestID: randomUUID(),
    // Spread over one minute of event time, half an hour ago (the burst's window is closed).
    eventTime: new Date(t0 + Math.floor((i * 60_000) / EVENTS)).toISOString(),
  };
}

describe('a storm of refused calls reaches detect through its queue, in batches', () => {
  let stack: RoleStack;
  const sqs = () => localClient(SQSClient);
  /** Messages on a queue, visible or in flight. */
  const depth = async (url: string): Promise<number> => {
    const { Attributes = {} } = await sqs().send(
      new GetQueueAttributesCommand({
        QueueUrl: url,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    return (
      Number(Attributes.ApproximateNumberOfMessages ?? 0) +
      Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0)
    );
  };

  beforeAll(async () => {
    stack = await openRoleStack();
  }, 600_000);

  afterAll(async () => {
    await stack?.close();
  });

  it(
    `evaluates all ${EVENTS} events once, in few invocations, and alerts once`,
    async () => {
      // Prepare: the deployed detect function's environment, and an observer on its alert topic
      const { Environment } = await localClient(LambdaClient).send(
        new GetFunctionConfigurationCommand({ FunctionName: 'gatewarden-local-detect' }),
      );
      const env = { ...process.env, ...(Environment?.Variables ?? {}) };
      const { QueueUrl = '' } = await sqs().send(
        new GetQueueUrlCommand({ QueueName: LOCAL_STAGE.detectQueue }),
      );
      const { Attributes } = await sqs().send(
        new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
      );
      const observer = await createQueue(sqs(), uniqueName('gw-storm-alerts'));
      const sns = localClient(SNSClient);
      await subscribeQueue(sns, sqs(), env.GATEWARDEN_ALERT_TOPIC_ARN ?? '', observer);
      const tag = uniqueName('storm-key');
      const t0 = Date.now() - 30 * 60_000;

      const dlqUrl = env.GATEWARDEN_DLQ_URL ?? '';
      const deadLettersBefore = await depth(dlqUrl);

      // Act 1: CloudTrail delivers the storm to the default bus (10 entries per put, as AWS;
      // PUTS_IN_FLIGHT puts at a time, as CloudTrail delivers from many hosts)
      const started = Date.now();
      let next = 0;
      const putter = async (): Promise<void> => {
        for (let i = next; i < EVENTS; i = next) {
          next += 10;
          const entries = Array.from({ length: Math.min(10, EVENTS - i) }, (_, j) => ({
            Source: 'aws.secretsmanager',
            DetailType: 'AWS API Call via CloudTrail',
            Detail: JSON.stringify(deniedRecord(i + j, t0, tag)),
          }));
          expect((await putServiceEvents(entries)).FailedEntryCount ?? 0).toBe(0);
        }
      };
      await Promise.all(Array.from({ length: PUTS_IN_FLIGHT }, () => putter()));
      const putSeconds = (Date.now() - started) / 1000;
      // Delivered: the rule put every event on the detect queue (moto delivers as it puts).
      const queued = await depth(QueueUrl);
      const deliveredSeconds = (Date.now() - started) / 1000;
      process.stdout.write(
        `storm: ${EVENTS} refused calls (one minute of event time) put in ${putSeconds.toFixed(1)} s; on the detect queue after ${deliveredSeconds.toFixed(1)} s: ${queued}\n`,
      );

      // Act 2: detect reads the queue as its event source mapping does, running as its role
      const admin = new SQSClient({
        region: process.env.AWS_REGION ?? 'us-east-1',
        credentials: {
          accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? 'testing',
          secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? 'testing',
        },
      });
      const evaluated = new Set<string>();
      let reported = 0;
      const poll = await asFunctionRole(stack.endpoint, 'gatewarden-local-detect', async () => {
        const handler = makeHandler(defaultDeps(env));
        const asRole = new SQSClient({ region: process.env.AWS_REGION ?? 'us-east-1' });
        return pollQueue({
          sqs: asRole,
          queueUrl: QueueUrl,
          queueArn: Attributes?.QueueArn ?? '',
          batchSize: BATCH_SIZE,
          windowMs: WINDOW_MS,
          maxConcurrency: MAX_CONCURRENCY,
          // A batch that fails an item (moto answers a transaction racing another with a 500)
          // sees it again soon, rather than after the queue's six minutes.
          retryFailedAfterSeconds: 2,
          retrySqs: admin,
          idleMs: 6_000,
          handler: async (event) => {
            for (const record of event.Records) {
              const id = (JSON.parse(record.body) as { detail?: { eventID?: string } }).detail
                ?.eventID;
              if (id?.startsWith(tag)) evaluated.add(id);
            }
            if (Math.floor(evaluated.size / 1000) > reported) {
              reported = Math.floor(evaluated.size / 1000);
              process.stdout.write(
                `storm: ${evaluated.size} events handed to detect after ${((Date.now() - started) / 1000).toFixed(0)} s\n`,
              );
            }
            return (await handler(event, context)) as SQSBatchResponse;
          },
        });
      });
      // The scheduled flush, as its role: the storm's window (half an hour ago) has closed.
      const flushed = await asFunctionRole(stack.endpoint, 'gatewarden-local-detect', () =>
        makeHandler(defaultDeps(env))({ flushBursts: true }, context),
      );
      const seconds = (Date.now() - started) / 1000;
      const alerts = await drain(sqs(), observer.url, 2, 8_000);
      const late = await drain(sqs(), observer.url, 0, 2_000);
      const left = await depth(QueueUrl);
      const deadLettered = (await depth(dlqUrl)) - deadLettersBefore;

      // Assess
      const summary = [...alerts, ...late]
        .map((m) => (JSON.parse(m.Body ?? '{}') as { Message?: string }).Message ?? '')
        .find((text) => text.includes('more by the same principal'));
      const finalCount =
        Number(/and (\d+) more by the same principal/.exec(summary ?? '')?.[1] ?? -1) + 1;
      const figures = {
        test: 'denied-storm',
        events: EVENTS,
        putSeconds,
        deliveredSeconds,
        queued,
        evaluated: evaluated.size,
        ...poll,
        seconds,
        left,
        deadLettered,
        flushed,
        alerts: alerts.length + late.length,
        finalCount,
      };
      process.stdout.write(
        [
          `detect: ${poll.invocations} invocations for ${poll.messages} messages (largest batch ${poll.largestBatch}, peak concurrency ${poll.peakConcurrency} of ${MAX_CONCURRENCY}); ${poll.failedItems} items failed and retried; ${evaluated.size} distinct events evaluated; all done after ${seconds.toFixed(1)} s`,
          `left on the queue ${left}; dead-lettered ${deadLettered}; alerts ${figures.alerts} (burst alert + summary); summary's final count ${finalCount}`,
          JSON.stringify(figures),
        ].join('\n') + '\n',
      );
      // The storm, and whatever the test's own set-up calls made the detect rules deliver.
      expect(queued).toBeGreaterThanOrEqual(EVENTS);
      expect(left).toBe(0);
      expect(deadLettered).toBe(0);
      // Every event evaluated (a failed item is retried, never lost), none left in the queue.
      expect(evaluated.size).toBe(EVENTS);
      expect(poll.largestBatch).toBeLessThanOrEqual(BATCH_SIZE);
      expect(poll.peakConcurrency).toBeLessThanOrEqual(MAX_CONCURRENCY);
      // Bounded: about one invocation per batch, not one per event.
      expect(poll.invocations).toBeLessThanOrEqual(Math.ceil(poll.messages / 10));
      const ruleIds = [...alerts, ...late].map(
        (m) =>
          (
            JSON.parse(m.Body ?? '{}') as {
              MessageAttributes?: Record<string, { Value: string }>;
            }
          ).MessageAttributes?.ruleId?.Value,
      );
      // One alert when the storm crossed the threshold, one summary with the final count.
      expect(ruleIds.filter((id) => id === 'access-denied-burst')).toHaveLength(2);
      expect(flushed).toMatchObject({ flushed: { summaries: 1, failed: 0 } });
      expect(summary).toContain(`and ${EVENTS - 1} more by the same principal`);
      expect(finalCount).toBe(EVENTS);
      expect(await stack.denials()).toEqual([]);
      // The subscription goes with the test's own stack (the local IAM gate cannot classify
      // sns:Unsubscribe, which names no topic).
      await sqs().send(new DeleteQueueCommand({ QueueUrl: observer.url }));
    },
    // The local stack applies DynamoDB requests one at a time: about 10 events a second here.
    Math.max(900_000, EVENTS * 250),
  );
});
