/**
 * Deliveries a service makes itself, decided as AWS decides them (local/motoLauncher.py asks the
 * front's IAM gate before moto delivers): SNS sends to a subscribed queue as
 * `sns.amazonaws.com`, EventBridge to a rule's queue or topic target (and its dead-letter
 * queue) as `events.amazonaws.com`, each with `aws:SourceArn` = the topic or rule, against the
 * target's own policy. A queue or topic whose policy does not admit them receives nothing, and
 * the refusal is listed with the gate's denials.
 */
import {
  EventBridgeClient,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import {
  CreateTopicCommand,
  PublishCommand,
  SetTopicAttributesCommand,
  SNSClient,
  SubscribeCommand,
} from '@aws-sdk/client-sns';
import { ReceiveMessageCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { AddPermissionCommand, CreateFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { consumeDenials, type GateDenial } from '../../support/iamDenials.js';
import { localClient, localStack, uniqueName } from '../../support/localStack.js';
import { admitToQueue, createQueue, subscribeQueue, type TestQueue } from '../../support/queues.js';

const sqs = localClient(SQSClient);
const sns = localClient(SNSClient);
const events = localClient(EventBridgeClient);

/** Everything waiting on the queue, within a short wait (a refused delivery never arrives). */
async function waiting(queue: TestQueue): Promise<Message[]> {
  const { Messages = [] } = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: queue.url,
      WaitTimeSeconds: 1,
      MaxNumberOfMessages: 10,
      MessageAttributeNames: ['All'],
    }),
  );
  return Messages;
}

const refusal = (principal: string, action: string, resource: string) =>
  expect.objectContaining<Partial<GateDenial>>({ principal, action, resource, enforced: true });

async function topic(): Promise<string> {
  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: uniqueName('gw-deliv') }));
  return TopicArn ?? '';
}

async function rule(pattern: unknown): Promise<{ name: string; arn: string }> {
  const name = uniqueName('gw-deliv-rule');
  const { RuleArn } = await events.send(
    new PutRuleCommand({ Name: name, EventPattern: JSON.stringify(pattern) }),
  );
  return { name, arn: RuleArn ?? '' };
}

const put = (source: string) =>
  events.send(
    new PutEventsCommand({
      Entries: [{ Source: source, DetailType: 'Delivery Test', Detail: '{"n":1}' }],
    }),
  );

describe('SNS → SQS subscription: sns.amazonaws.com against the queue policy', () => {
  it('refuses the delivery to a queue whose policy has no statement for SNS', async () => {
    // Prepare
    const topicArn = await topic();
    const queue = await createQueue(sqs, uniqueName('gw-deliv-q'));
    await sns.send(
      new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: queue.arn }),
    );

    // Act
    await sns.send(new PublishCommand({ TopicArn: topicArn, Message: 'not for you' }));

    // Assess
    expect(await waiting(queue)).toEqual([]);
    const denials = await consumeDenials();
    expect(denials).toEqual([refusal('sns.amazonaws.com', 'sqs:SendMessage', queue.arn)]);
  });

  it('refuses it when the statement admits another topic (aws:SourceArn)', async () => {
    const topicArn = await topic();
    const queue = await createQueue(sqs, uniqueName('gw-deliv-q'));
    await admitToQueue(sqs, queue, 'sns.amazonaws.com', `${topicArn}-other`);
    await sns.send(
      new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: queue.arn }),
    );

    await sns.send(new PublishCommand({ TopicArn: topicArn, Message: 'not for you' }));

    expect(await waiting(queue)).toEqual([]);
    expect(await consumeDenials()).toEqual([
      refusal('sns.amazonaws.com', 'sqs:SendMessage', queue.arn),
    ]);
  });

  it('delivers when the queue policy admits the topic, with no denial', async () => {
    const topicArn = await topic();
    const queue = await createQueue(sqs, uniqueName('gw-deliv-q'));
    await subscribeQueue(sns, sqs, topicArn, queue);

    await sns.send(new PublishCommand({ TopicArn: topicArn, Message: 'for you' }));

    const [message] = await waiting(queue);
    expect(JSON.parse(message?.Body ?? '{}')).toMatchObject({
      Message: 'for you',
      TopicArn: topicArn,
    });
  });

  it('decides each subscription on its own: the refused one does not stop the admitted one', async () => {
    const topicArn = await topic();
    const admitted = await createQueue(sqs, uniqueName('gw-deliv-q'));
    const refused = await createQueue(sqs, uniqueName('gw-deliv-q'));
    await sns.send(
      new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: refused.arn }),
    );
    await subscribeQueue(sns, sqs, topicArn, admitted);

    await sns.send(new PublishCommand({ TopicArn: topicArn, Message: 'one of two' }));

    expect(await waiting(admitted)).toHaveLength(1);
    expect(await waiting(refused)).toEqual([]);
    expect(await consumeDenials()).toEqual([
      refusal('sns.amazonaws.com', 'sqs:SendMessage', refused.arn),
    ]);
  });
});

describe('EventBridge rule → SQS target: events.amazonaws.com against the queue policy', () => {
  it('refuses the delivery to a queue whose policy has no statement for EventBridge', async () => {
    const source = uniqueName('gw.deliv');
    const queue = await createQueue(sqs, uniqueName('gw-deliv-q'));
    const { name } = await rule({ source: [source] });
    await events.send(
      new PutTargetsCommand({ Rule: name, Targets: [{ Id: 'q', Arn: queue.arn }] }),
    );

    const out = await put(source);

    expect(out.FailedEntryCount).toBe(0); // a refused target never fails the put
    expect(await waiting(queue)).toEqual([]);
    expect(await consumeDenials()).toEqual([
      refusal('events.amazonaws.com', 'sqs:SendMessage', queue.arn),
    ]);
  });

  it('refuses it when the statement admits another rule (aws:SourceArn)', async () => {
    const source = uniqueName('gw.deliv');
    const queue = await createQueue(sqs, uniqueName('gw-deliv-q'));
    const other = await rule({ source: [`${source}-other`] });
    const { name } = await rule({ source: [source] });
    await admitToQueue(sqs, queue, 'events.amazonaws.com', other.arn);
    await events.send(
      new PutTargetsCommand({ Rule: name, Targets: [{ Id: 'q', Arn: queue.arn }] }),
    );

    await put(source);

    expect(await waiting(queue)).toEqual([]);
    expect(await consumeDenials()).toEqual([
      refusal('events.amazonaws.com', 'sqs:SendMessage', queue.arn),
    ]);
  });

  it('delivers when the queue policy admits the rule', async () => {
    const source = uniqueName('gw.deliv');
    const queue = await createQueue(sqs, uniqueName('gw-deliv-q'));
    const { name, arn } = await rule({ source: [source] });
    await admitToQueue(sqs, queue, 'events.amazonaws.com', arn);
    await events.send(
      new PutTargetsCommand({ Rule: name, Targets: [{ Id: 'q', Arn: queue.arn }] }),
    );

    await put(source);

    const [message] = await waiting(queue);
    expect(JSON.parse(message?.Body ?? '{}')).toMatchObject({ source, detail: { n: 1 } });
  });

  it("dead-letters a refused delivery to the target's DLQ, which must admit the rule too", async () => {
    const source = uniqueName('gw.deliv');
    const queue = await createQueue(sqs, uniqueName('gw-deliv-q'));
    const dlq = await createQueue(sqs, uniqueName('gw-deliv-dlq'));
    const { name, arn } = await rule({ source: [source] });
    await admitToQueue(sqs, dlq, 'events.amazonaws.com', arn);
    await events.send(
      new PutTargetsCommand({
        Rule: name,
        Targets: [{ Id: 'q', Arn: queue.arn, DeadLetterConfig: { Arn: dlq.arn } }],
      }),
    );

    await put(source);

    expect(await waiting(queue)).toEqual([]);
    const [letter] = await waiting(dlq);
    expect(JSON.parse(letter?.Body ?? '{}')).toMatchObject({ source, detail: { n: 1 } });
    expect(letter?.MessageAttributes).toMatchObject({
      RULE_ARN: { StringValue: arn },
      TARGET_ARN: { StringValue: queue.arn },
      ERROR_CODE: { StringValue: 'NO_PERMISSIONS' },
    });
    expect(await consumeDenials()).toEqual([
      refusal('events.amazonaws.com', 'sqs:SendMessage', queue.arn),
    ]);
  });

  it('drops the event when the DLQ does not admit the rule either (two refusals)', async () => {
    const source = uniqueName('gw.deliv');
    const queue = await createQueue(sqs, uniqueName('gw-deliv-q'));
    const dlq = await createQueue(sqs, uniqueName('gw-deliv-dlq'));
    const { name } = await rule({ source: [source] });
    await events.send(
      new PutTargetsCommand({
        Rule: name,
        Targets: [{ Id: 'q', Arn: queue.arn, DeadLetterConfig: { Arn: dlq.arn } }],
      }),
    );

    await put(source);

    expect(await waiting(queue)).toEqual([]);
    expect(await waiting(dlq)).toEqual([]);
    expect(await consumeDenials()).toEqual([
      refusal('events.amazonaws.com', 'sqs:SendMessage', queue.arn),
      refusal('events.amazonaws.com', 'sqs:SendMessage', dlq.arn),
    ]);
  });
});

describe('EventBridge rule → SNS target: events.amazonaws.com against the topic policy', () => {
  /** A topic whose policy admits `principal` for `sourceArn` (the default policy admits none). */
  async function topicAdmitting(sourceArn: string): Promise<string> {
    const topicArn = await topic();
    await sns.send(
      new SetTopicAttributesCommand({
        TopicArn: topicArn,
        AttributeName: 'Policy',
        AttributeValue: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { Service: 'events.amazonaws.com' },
              Action: 'sns:Publish',
              Resource: topicArn,
              Condition: { ArnEquals: { 'aws:SourceArn': sourceArn } },
            },
          ],
        }),
      }),
    );
    return topicArn;
  }

  it('refuses the delivery to a topic whose policy admits another rule', async () => {
    const source = uniqueName('gw.deliv');
    const { name, arn } = await rule({ source: [source] });
    const topicArn = await topicAdmitting(`${arn}-other`);
    const queue = await createQueue(sqs, uniqueName('gw-deliv-q'));
    await subscribeQueue(sns, sqs, topicArn, queue);
    await events.send(new PutTargetsCommand({ Rule: name, Targets: [{ Id: 't', Arn: topicArn }] }));

    await put(source);

    expect(await waiting(queue)).toEqual([]);
    expect(await consumeDenials()).toEqual([
      refusal('events.amazonaws.com', 'sns:Publish', topicArn),
    ]);
  });

  it('publishes the event when the topic admits the rule, and SNS passes it on', async () => {
    const source = uniqueName('gw.deliv');
    const { name, arn } = await rule({ source: [source] });
    const topicArn = await topicAdmitting(arn);
    const queue = await createQueue(sqs, uniqueName('gw-deliv-q'));
    await subscribeQueue(sns, sqs, topicArn, queue);
    await events.send(new PutTargetsCommand({ Rule: name, Targets: [{ Id: 't', Arn: topicArn }] }));

    await put(source);

    const [message] = await waiting(queue);
    const notification = JSON.parse(message?.Body ?? '{}') as { Message?: string };
    expect(JSON.parse(notification.Message ?? '{}')).toMatchObject({ source, detail: { n: 1 } });
  });
});

describe('SNS → Lambda subscription: sns.amazonaws.com against the function policy', () => {
  const lambda = localClient(LambdaClient);

  /** A function whose policy lets SNS invoke it for `topicArn` only. */
  async function functionAdmitting(topicArn: string): Promise<string> {
    const name = uniqueName('gw-deliv-fn');
    const { Role } = await localClient(IAMClient).send(
      new CreateRoleCommand({
        RoleName: name,
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { Service: 'lambda.amazonaws.com' },
              Action: 'sts:AssumeRole',
            },
          ],
        }),
      }),
    );
    const { FunctionArn } = await lambda.send(
      new CreateFunctionCommand({
        FunctionName: name,
        Role: Role?.Arn,
        Runtime: 'nodejs22.x',
        Handler: 'index.handler',
        Code: { ZipFile: Buffer.from('not run: moto runs no function here') },
      }),
    );
    await lambda.send(
      new AddPermissionCommand({
        FunctionName: name,
        StatementId: 'sns',
        Action: 'lambda:InvokeFunction',
        Principal: 'sns.amazonaws.com',
        SourceArn: topicArn,
      }),
    );
    return FunctionArn ?? '';
  }

  /** What motoLauncher.py asks the front before SNS invokes the function. */
  async function decided(sourceArn: string, targetArn: string): Promise<unknown> {
    const response = await fetch(`${localStack().endpoint}/_gatewarden/iam/service-delivery`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ service: 'sns.amazonaws.com', sourceArn, targetArn }),
    });
    return response.json();
  }

  it('refuses the invocation for a topic the function policy does not name', async () => {
    const topicArn = await topic();
    const functionArn = await functionAdmitting(`${topicArn}-other`);
    await sns.send(
      new SubscribeCommand({ TopicArn: topicArn, Protocol: 'lambda', Endpoint: functionArn }),
    );

    await sns.send(new PublishCommand({ TopicArn: topicArn, Message: 'not for you' }));

    expect(await consumeDenials()).toEqual([
      refusal('sns.amazonaws.com', 'lambda:InvokeFunction', functionArn),
    ]);
  });

  // moto would run an admitted function in a container: the decision is asked as the launcher
  // asks it, and nothing is published.
  it('admits the topic the function policy names', async () => {
    const topicArn = await topic();
    const functionArn = await functionAdmitting(topicArn);

    expect(await decided(topicArn, functionArn)).toEqual({ allowed: true });
    expect(await decided(`${topicArn}-other`, functionArn)).toMatchObject({ allowed: false });
    expect(await consumeDenials()).toEqual([
      refusal('sns.amazonaws.com', 'lambda:InvokeFunction', functionArn),
    ]);
  });
});
