/** EventBridge through the local endpoint: a rule on a custom bus delivers to an SQS target. */
import {
  CreateEventBusCommand,
  DeleteRuleCommand,
  RemoveTargetsCommand,
  EventBridgeClient,
  PutEventsCommand,
} from '@aws-sdk/client-eventbridge';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { createQueue, ruleToQueue } from '../../support/queues.js';
import { testClientConfig, uniqueName } from '../../support/localStack.js';

describe('local stack: EventBridge', () => {
  it('matches a rule pattern and delivers the event to an SQS target', async () => {
    // Prepare
    const events = new EventBridgeClient(testClientConfig());
    const sqs = new SQSClient(testClientConfig());
    const bus = uniqueName('gw-test-bus');
    await events.send(new CreateEventBusCommand({ Name: bus }));
    const queue = await createQueue(sqs, uniqueName('gw-test-target'));
    const rule = uniqueName('gw-test-rule');
    await ruleToQueue(events, {
      sqs,
      rule,
      bus,
      pattern: { source: ['gatewarden.test'], 'detail-type': ['Finding'] },
      queueArn: queue.arn,
    });

    // Act: one matching and one non-matching event
    const put = await events.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: bus,
            Source: 'gatewarden.test',
            DetailType: 'Finding',
            Detail: '{"severity":"HIGH"}',
          },
          { EventBusName: bus, Source: 'someone.else', DetailType: 'Finding', Detail: '{}' },
        ],
      }),
    );

    // Assess
    expect(put.FailedEntryCount).toBe(0);
    const received = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queue.url,
        WaitTimeSeconds: 2,
        MaxNumberOfMessages: 10,
      }),
    );
    const delivered = (received.Messages ?? []).map((message) => JSON.parse(message.Body ?? '{}'));
    expect(delivered).toHaveLength(1);
    expect(delivered[0]).toMatchObject({
      source: 'gatewarden.test',
      'detail-type': 'Finding',
      detail: { severity: 'HIGH' },
    });
  });

  it('puts recorded CloudTrail management events on the default bus, as AWS does', async () => {
    // Prepare: a rule on the (shared) default bus, narrowed to this test's secret.
    const events = new EventBridgeClient(testClientConfig());
    const sqs = new SQSClient(testClientConfig());
    const queue = await createQueue(sqs, uniqueName('gw-test-ct'));
    const secretName = uniqueName('gw-test/eb');
    const rule = uniqueName('gw-test-ct-rule');
    await ruleToQueue(events, {
      sqs,
      rule,
      pattern: {
        source: ['aws.secretsmanager'],
        'detail-type': ['AWS API Call via CloudTrail'],
        detail: { requestParameters: { secretId: [secretName] } },
      },
      queueArn: queue.arn,
    });
    try {
      // Act: a write, a read-only call and a failing write on that secret
      const secrets = new SecretsManagerClient(testClientConfig());
      await secrets.send(new CreateSecretCommand({ Name: secretName, SecretString: 'x' }));
      await secrets.send(new DescribeSecretCommand({ SecretId: secretName }));
      await secrets.send(new PutSecretValueCommand({ SecretId: secretName, SecretString: 'y' }));
      await expect(
        secrets.send(
          new UpdateSecretVersionStageCommand({
            SecretId: secretName,
            VersionStage: 'AWSCURRENT',
            MoveToVersionId: 'nope',
          }),
        ),
      ).rejects.toThrow();

      // Assess: the write and the failed write on secretId arrive; the read-only call does not.
      type Delivered = {
        'detail-type': string;
        source: string;
        detail: { eventName: string; errorCode?: string };
      };
      const delivered: Delivered[] = [];
      const receive = async (): Promise<void> => {
        const received = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: queue.url,
            WaitTimeSeconds: 1,
            MaxNumberOfMessages: 10,
          }),
        );
        delivered.push(
          ...(received.Messages ?? []).map(
            (message) => JSON.parse(message.Body ?? '{}') as Delivered,
          ),
        );
      };
      // Delivery is asynchronous: wait (generously, the machine is shared) for the two expected
      // events, then once more for a third that must not come.
      for (let attempt = 0; attempt < 15 && delivered.length < 2; attempt += 1) await receive();
      await receive();
      expect(delivered.map((event) => event.detail.eventName).sort()).toEqual([
        'PutSecretValue',
        'UpdateSecretVersionStage',
      ]);
      expect(delivered[0]).toMatchObject({
        source: 'aws.secretsmanager',
        'detail-type': 'AWS API Call via CloudTrail',
      });
      expect(
        delivered.find((event) => event.detail.eventName === 'UpdateSecretVersionStage')?.detail
          .errorCode,
      ).toBeTruthy();
    } finally {
      await events.send(new RemoveTargetsCommand({ Rule: rule, Ids: ['queue'] }));
      await events.send(new DeleteRuleCommand({ Name: rule }));
    }
  });
});

describe('local stack: EventBridge refuses aws. sources to PutEvents callers, as AWS does', () => {
  it('fails the aws.iam entry (NotAuthorizedForSourceException) and puts the custom one', async () => {
    // Prepare: a rule that would take both, on a bus of its own
    const events = new EventBridgeClient(testClientConfig());
    const sqs = new SQSClient(testClientConfig());
    const bus = uniqueName('gw-test-bus');
    await events.send(new CreateEventBusCommand({ Name: bus }));
    const queue = await createQueue(sqs, uniqueName('gw-test-target'));
    await ruleToQueue(events, {
      sqs,
      rule: uniqueName('gw-test-rule'),
      bus,
      pattern: { 'detail-type': ['AWS API Call via CloudTrail'] },
      queueArn: queue.arn,
    });
    const detail = JSON.stringify({ eventSource: 'iam.amazonaws.com', eventName: 'CreateRole' });

    // Act: the stack's admin (moto's user) forges an IAM CloudTrail event beside a custom one
    const put = await events.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: bus,
            Source: 'aws.iam',
            DetailType: 'AWS API Call via CloudTrail',
            Detail: detail,
          },
          {
            EventBusName: bus,
            Source: 'custom.forged',
            DetailType: 'AWS API Call via CloudTrail',
            Detail: detail,
          },
        ],
      }),
    );

    // Assess: per entry, as EventBridge answers
    expect(put.FailedEntryCount).toBe(1);
    expect(put.Entries?.[0]).toEqual({
      ErrorCode: 'NotAuthorizedForSourceException',
      ErrorMessage: 'Not authorized for the source.',
    });
    expect(put.Entries?.[1]?.EventId).toBeTruthy();
    const sources: string[] = [];
    for (let attempt = 0; attempt < 10 && sources.length < 1; attempt += 1) {
      const received = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queue.url,
          WaitTimeSeconds: 1,
          MaxNumberOfMessages: 10,
        }),
      );
      for (const m of received.Messages ?? [])
        sources.push((JSON.parse(m.Body ?? '{}') as { source: string }).source);
    }
    const late = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queue.url,
        WaitTimeSeconds: 1,
        MaxNumberOfMessages: 10,
      }),
    );
    for (const m of late.Messages ?? [])
      sources.push((JSON.parse(m.Body ?? '{}') as { source: string }).source);
    expect(sources).toEqual(['custom.forged']);
  });
});
