import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { SNSClient } from '@aws-sdk/client-sns';
import {
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  SQSClient,
  type Message,
} from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse } from 'aws-lambda';
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
 * Tool-call detection runs live (issue 21, point 6): InvokeGateway data events, delivered by
 * CloudTrail to the default bus, take the deployed `gatewayInvoke` rule to the detect queue, and
 * the detect handler, run as its role with its DynamoDB state, learns a week of an agent's calls
 * and alerts on its first call of a tool it never used — once, however often that record is
 * delivered. The records are the rule's own fixture, moved to now and made unique to this run.
 */

const context = {} as Context;
const FIXTURE = 'lib/detection/rules/toolFirstCall.fixtures.json';
const CASE = 'an agent calls a refund tool it never called, after a week of order lookups';

/** The fixture's records, renamed for this run (gateway, subject, ids) and ending an hour ago. */
function recordsOf(tag: string): Record<string, unknown>[] {
  const fixtures = JSON.parse(readFileSync(FIXTURE, 'utf8')) as {
    cases: { name: string; records: Record<string, unknown>[] }[];
  };
  const records = fixtures.cases.find((c) => c.name === CASE)?.records ?? [];
  const last = Date.parse(String(records.at(-1)?.eventTime));
  const shift = Date.now() - 60 * 60_000 - last;
  const text = JSON.stringify(records)
    .replaceAll('orders-gw-7fq2kx9d1m', `${tag}-gw`)
    .replaceAll('4f1c8a2e-7b3d-4c11-9e0a-6d2f5b8c1a90', `${tag}-agent`);
  return (JSON.parse(text) as Record<string, unknown>[]).map((record, i) => ({
    ...record,
    eventID: `${tag}-${String(i).padStart(3, '0')}`,
    eventTime: new Date(Date.parse(String(record.eventTime)) + shift)
      .toISOString()
      .replace(/\.\d{3}Z$/, 'Z'),
  }));
}

describe('tool-call detection, live through the deployed rule and queue', () => {
  let stack: RoleStack;
  const sqs = () => localClient(SQSClient);

  beforeAll(async () => {
    stack = await openRoleStack();
  }, 600_000);

  afterAll(async () => {
    await stack?.close();
  });

  it('alerts once on an agent’s first call of a new tool after a week of learning', async () => {
    // Prepare: the deployed detect function's environment and queue, an observer on its topic
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
    const observer = await createQueue(sqs(), uniqueName('gw-tools-alerts'));
    // The observer's policy admits the alert topic, as AWS requires for the delivery.
    await subscribeQueue(
      localClient(SNSClient),
      sqs(),
      env.GATEWARDEN_ALERT_TOPIC_ARN ?? '',
      observer,
    );
    const tag = uniqueName('tools');
    const records = recordsOf(tag);
    const first = records.at(-1);

    // Act: CloudTrail delivers the data events (the first call twice: at least once), in order
    for (const record of [...records, first]) {
      const put = await putServiceEvents([
        {
          Source: 'aws.bedrock-agentcore',
          DetailType: 'AWS API Call via CloudTrail',
          Detail: JSON.stringify(record),
        },
      ]);
      expect(put.FailedEntryCount ?? 0).toBe(0);
    }
    const seen = new Set<string>();
    await asFunctionRole(stack.endpoint, 'gatewarden-local-detect', async () => {
      const handler = makeHandler(defaultDeps(env));
      return pollQueue({
        sqs: new SQSClient({ region: process.env.AWS_REGION ?? 'us-east-1' }),
        queueUrl: QueueUrl,
        queueArn: Attributes?.QueueArn ?? '',
        batchSize: 10,
        windowMs: 500,
        maxConcurrency: 1,
        idleMs: 3_000,
        handler: async (event) => {
          for (const record of event.Records) {
            const id = (JSON.parse(record.body) as { detail?: { eventID?: string } }).detail
              ?.eventID;
            if (id?.startsWith(tag)) seen.add(id);
          }
          return (await handler(event, context)) as SQSBatchResponse;
        },
      });
    });
    const alerts: Message[] = await drain(sqs(), observer.url, 1, 8_000);
    alerts.push(...(await drain(sqs(), observer.url, 0, 2_000)));

    // Assess: every record reached detect; one alert, naming the tool and the agent, no claim
    expect(seen.size).toBe(records.length);
    const mine = alerts
      .map((m) => (JSON.parse(m.Body ?? '{}') as { Message?: string }).Message ?? '')
      .filter((text) => text.includes(`${tag}-gw`));
    expect(mine).toHaveLength(1);
    expect(mine[0]).toContain('gateway-tool-first-call');
    expect(mine[0]).toContain('payments___issueRefund');
    expect(mine[0]).toContain(`jwt:${tag}-agent`);
    expect(mine[0]).not.toContain('orders-api/write');
  }, 120_000);
});
