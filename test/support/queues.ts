/** SQS queues as observation points in integration tests: a queue, and a bus rule feeding it. */
import {
  PutRuleCommand,
  PutTargetsCommand,
  type EventBridgeClient,
} from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';

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

/**
 * Puts the rule `rule` with `pattern` on `bus` (the default bus when omitted) and makes the
 * queue `queueArn` its target (`targetId`, default `queue`).
 */
export async function ruleToQueue(
  events: EventBridgeClient,
  options: { rule: string; bus?: string; pattern: unknown; queueArn: string; targetId?: string },
): Promise<void> {
  await events.send(
    new PutRuleCommand({
      Name: options.rule,
      EventBusName: options.bus,
      EventPattern: JSON.stringify(options.pattern),
    }),
  );
  await events.send(
    new PutTargetsCommand({
      Rule: options.rule,
      EventBusName: options.bus,
      Targets: [{ Id: options.targetId ?? 'queue', Arn: options.queueArn }],
    }),
  );
}
