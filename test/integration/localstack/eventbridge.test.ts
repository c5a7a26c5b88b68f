/** EventBridge through the local endpoint: a rule on a custom bus delivers to an SQS target. */
import {
  CreateEventBusCommand,
  EventBridgeClient,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { testClientConfig, uniqueName } from '../../support/localStack.js';

describe('local stack: EventBridge', () => {
  it('matches a rule pattern and delivers the event to an SQS target', async () => {
    // Prepare
    const events = new EventBridgeClient(testClientConfig());
    const sqs = new SQSClient(testClientConfig());
    const bus = uniqueName('gw-test-bus');
    await events.send(new CreateEventBusCommand({ Name: bus }));
    const queue = await sqs.send(
      new CreateQueueCommand({ QueueName: uniqueName('gw-test-target') }),
    );
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queue.QueueUrl, AttributeNames: ['QueueArn'] }),
    );
    const rule = uniqueName('gw-test-rule');
    await events.send(
      new PutRuleCommand({
        Name: rule,
        EventBusName: bus,
        EventPattern: JSON.stringify({ source: ['gatewarden.test'], 'detail-type': ['Finding'] }),
      }),
    );
    await events.send(
      new PutTargetsCommand({
        Rule: rule,
        EventBusName: bus,
        Targets: [{ Id: 'queue', Arn: Attributes?.QueueArn }],
      }),
    );

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
        QueueUrl: queue.QueueUrl,
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
});
