/**
 * SQS queues as observation points in integration tests: a queue, a bus rule feeding it, a
 * topic subscription feeding it. As on AWS, EventBridge and SNS deliver to a queue only when
 * its policy lets the service send for that rule or topic (`aws:SourceArn`): the helpers that
 * aim a rule or a topic at a queue also write that statement.
 */
import {
  PutRuleCommand,
  PutTargetsCommand,
  type EventBridgeClient,
} from '@aws-sdk/client-eventbridge';
import { SubscribeCommand, type SNSClient } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  SetQueueAttributesCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';

export interface TestQueue {
  url: string;
  arn: string;
}

/** Creates the queue `name`; returns its URL and ARN. */
export async function createQueue(sqs: SQSClient, name: string): Promise<TestQueue> {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
  const url = QueueUrl ?? '';
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
  );
  return { url, arn: Attributes?.QueueArn ?? '' };
}

interface PolicyStatement {
  Sid?: string;
  [key: string]: unknown;
}

/**
 * Adds to the queue's policy the statement AWS requires for `service` (`events.amazonaws.com`,
 * `sns.amazonaws.com`) to send to it for `sourceArn` (a rule, a topic), keeping the statements
 * already there. Idempotent.
 */
export async function admitToQueue(
  sqs: SQSClient,
  queue: TestQueue,
  service: string,
  sourceArn: string,
): Promise<void> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queue.url, AttributeNames: ['Policy'] }),
  );
  const policy = JSON.parse(Attributes?.Policy ?? '{"Version":"2012-10-17","Statement":[]}') as {
    Statement: PolicyStatement[];
  };
  const sid = `${service.split('.')[0] ?? 'service'}-${sourceArn}`.replace(/[^A-Za-z0-9]/g, '');
  if (policy.Statement.some((statement) => statement.Sid === sid)) return;
  policy.Statement.push({
    Sid: sid,
    Effect: 'Allow',
    Principal: { Service: service },
    Action: 'sqs:SendMessage',
    Resource: queue.arn,
    Condition: { ArnEquals: { 'aws:SourceArn': sourceArn } },
  });
  await sqs.send(
    new SetQueueAttributesCommand({
      QueueUrl: queue.url,
      Attributes: { Policy: JSON.stringify(policy) },
    }),
  );
}

/**
 * Puts the rule `rule` with `pattern` on `bus` (the default bus when omitted), makes the queue
 * its target (`targetId`, default `queue`) and lets the rule send to it (the queue policy).
 */
export async function ruleToQueue(
  events: EventBridgeClient,
  options: {
    rule: string;
    bus?: string;
    pattern: unknown;
    queueArn: string;
    targetId?: string;
    sqs: SQSClient;
  },
): Promise<void> {
  const { RuleArn } = await events.send(
    new PutRuleCommand({
      Name: options.rule,
      EventBusName: options.bus,
      EventPattern: JSON.stringify(options.pattern),
    }),
  );
  await admitToQueue(
    options.sqs,
    await queueOf(options.sqs, options.queueArn),
    'events.amazonaws.com',
    RuleArn ?? '',
  );
  await events.send(
    new PutTargetsCommand({
      Rule: options.rule,
      EventBusName: options.bus,
      Targets: [{ Id: options.targetId ?? 'queue', Arn: options.queueArn }],
    }),
  );
}

/** Subscribes the queue to the topic, after letting the topic send to it (the queue policy). */
export async function subscribeQueue(
  sns: SNSClient,
  sqs: SQSClient,
  topicArn: string,
  queue: TestQueue,
): Promise<void> {
  await admitToQueue(sqs, queue, 'sns.amazonaws.com', topicArn);
  await sns.send(
    new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: queue.arn }),
  );
}

/** The queue an ARN names, with its URL (the local stack's one account). */
async function queueOf(sqs: SQSClient, arn: string): Promise<TestQueue> {
  const [, , , , account = '', name = ''] = arn.split(':');
  const { QueueUrl } = await sqs.send(
    new GetQueueUrlCommand({ QueueName: name, QueueOwnerAWSAccountId: account }),
  );
  return { url: QueueUrl ?? '', arn };
}
