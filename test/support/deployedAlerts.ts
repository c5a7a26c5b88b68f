/**
 * Where the deployed local stage's alerts can be read: a queue subscribed to the stage's alert
 * topic and a queue behind a rule on the stage's bus (`source: gatewarden`). The functions
 * publish there as their roles (they may publish nowhere else). The queues, subscription and
 * rule keep their names from run to run on one stack (SNS Unsubscribe cannot be authorized on
 * the local stack, and a subscription to a deleted queue would break every later Publish), so
 * messages are told apart by the secret they name.
 */
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { ListSubscriptionsByTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { ENV } from '../../lib/shared/env.js';
import { deployedEnvironment } from './functionRoles.js';
import { localClient } from './localStack.js';
import { createQueue, ruleToQueue, subscribeQueue } from './queues.js';

export interface DeployedAlertQueues {
  /** Receives what is published to the stage's alert topic. */
  topic: string;
  /** Receives the gatewarden events put on the stage's bus. */
  bus: string;
}

/** The two queues, named after `name` (one pair per test file). */
export async function deployedAlertQueues(name: string): Promise<DeployedAlertQueues> {
  const sqs = localClient(SQSClient);
  const sns = localClient(SNSClient);
  const env = await deployedEnvironment('rotate');
  const [topic, bus] = await Promise.all([
    createQueue(sqs, `${name}-topic`),
    createQueue(sqs, `${name}-bus`),
  ]);
  const TopicArn = env[ENV.alertTopicArn];
  const { Subscriptions = [] } = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn }));
  if (!Subscriptions.some((subscription) => subscription.Endpoint === topic.arn))
    await subscribeQueue(sns, sqs, TopicArn ?? '', topic);
  await ruleToQueue(localClient(EventBridgeClient), {
    sqs,
    rule: `${name}-alerts`,
    bus: env[ENV.eventBusName],
    pattern: { source: ['gatewarden'] },
    queueArn: bus.arn,
  });
  return { topic: topic.url, bus: bus.url };
}

/** Bodies of the messages on `queueUrl` that name `secretArn` (all waiting ones are taken off). */
export async function receivedBodiesFor(queueUrl: string, secretArn: string): Promise<string[]> {
  const sqs = localClient(SQSClient);
  const bodies: string[] = [];
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
      }),
    );
    if (Messages.length === 0) break;
    bodies.push(...Messages.map((m) => m.Body ?? ''));
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
      }),
    );
  }
  return bodies.filter((body) => body.includes(secretArn));
}

/** The messages on `queueUrl` that name `secretArn`, parsed (all waiting ones are taken off). */
export async function receivedFor<T = Record<string, unknown>>(
  queueUrl: string,
  secretArn: string,
): Promise<T[]> {
  return (await receivedBodiesFor(queueUrl, secretArn)).map((body) => JSON.parse(body) as T);
}
