import { createRequire } from 'node:module';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { SQSEvent } from 'aws-lambda';
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import {
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';

/**
 * Helpers for the detection integration tests: every resource gets a unique name, so the
 * shared local stack never needs a reset and parallel runs do not collide.
 */
export function requireLocalStack(): void {
  if (!process.env.AWS_ENDPOINT_URL) {
    throw new Error(
      'AWS_ENDPOINT_URL is not set: run through the integration project (jest global setup starts the local stack) or eval "$(npx gatewarden local start)"',
    );
  }
}

/**
 * Receives what a queue holds: polls until `expected` messages arrived or `timeoutMs` passed,
 * then deletes them. `expected: 0` waits the whole time to prove nothing arrives.
 */
export async function drain(
  sqs: SQSClient,
  queueUrl: string,
  expected: number,
  timeoutMs = 5_000,
): Promise<Message[]> {
  const messages: Message[] = [];
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && (expected === 0 || messages.length < expected)) {
    const page = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['All'],
      }),
    );
    const got = page.Messages ?? [];
    messages.push(...got);
    if (got.length > 0) {
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: got.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? '' })),
        }),
      );
    }
  }
  return messages;
}

/**
 * Receives what a queue subscribed to `topicArn` holds, up to a marker published to that topic
 * now, and deletes it: everything published to the topic before this call, and nothing later.
 * A barrier, not a wait: where the "nothing more arrives" of {@link drain} with a count waits its
 * whole timeout, this ends as soon as the topic has delivered the marker, which it does after
 * whatever was published before it. The marker itself is not returned.
 */
export async function drainThroughMarker(
  sqs: SQSClient,
  sns: SNSClient,
  topicArn: string,
  queueUrl: string,
  timeoutMs = 15_000,
): Promise<Message[]> {
  const marker = `drain-marker-${randomUUID()}`;
  await sns.send(new PublishCommand({ TopicArn: topicArn, Message: marker }));
  const messages: Message[] = [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const got = await drain(sqs, queueUrl, 1, 1_000);
    const at = got.findIndex((m) => (m.Body ?? '').includes(marker));
    messages.push(...got.filter((_, i) => i !== at));
    if (at >= 0) return messages;
    if (Date.now() >= deadline) {
      throw new Error(`the marker published to ${topicArn} did not reach ${queueUrl} in time`);
    }
  }
}

/**
 * An event pattern of the deployed detect rules, read from the one list serverless.yml uses
 * (`resources/detect-patterns.yml`), so the test routes exactly as the deployment does. The
 * YAML parser is osls's own dependency.
 */
export function deployedDetectPattern(key: string): Record<string, unknown> {
  const yaml = createRequire(import.meta.url)('js-yaml') as { load(text: string): unknown };
  const all = yaml.load(readFileSync('resources/detect-patterns.yml', 'utf8')) as Record<
    string,
    { pattern?: Record<string, unknown> }
  >;
  const pattern = all[key]?.pattern;
  if (!pattern) throw new Error(`resources/detect-patterns.yml has no pattern "${key}"`);
  return pattern;
}

/** What Lambda's SQS event source would hand the function for these messages. */
export function sqsEventOf(messages: Message[], queueArn: string): SQSEvent {
  return {
    Records: messages.map((m) => ({
      messageId: m.MessageId ?? 'unknown',
      receiptHandle: m.ReceiptHandle ?? '',
      body: m.Body ?? '',
      attributes: {} as SQSEvent['Records'][number]['attributes'],
      messageAttributes: {},
      md5OfBody: m.MD5OfBody ?? '',
      eventSource: 'aws:sqs',
      eventSourceARN: queueArn,
      awsRegion: process.env.AWS_REGION ?? 'us-east-1',
    })),
  };
}
