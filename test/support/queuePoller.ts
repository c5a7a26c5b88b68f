import {
  ChangeMessageVisibilityCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';

/**
 * Lambda's SQS event source mapping, for the local stack (moto cannot run a function from a
 * queue). TEST COMPONENT. Gathers up to `batchSize` messages or for `windowMs`, invokes the
 * handler with the SQS event Lambda builds, deletes what succeeded and leaves the items the
 * handler reports failed (`ReportBatchItemFailures`) to come back after their visibility
 * timeout; at most `maxConcurrency` invocations run at once. Runs until the queue stays empty.
 */
export interface PollOptions {
  sqs: SQSClient;
  queueUrl: string;
  queueArn: string;
  batchSize: number;
  windowMs: number;
  maxConcurrency: number;
  handler: (event: SQSEvent) => Promise<SQSBatchResponse>;
  /** How long the queue must stay empty before polling ends. */
  idleMs?: number;
  /**
   * Visibility timeout of received messages (s), how soon a failed item comes back; default the
   * queue's own, as Lambda uses it (shorter than a batch takes, a batch would be handed out twice).
   */
  visibilitySeconds?: number;
  /**
   * Makes the items a batch reported failed visible again after this many seconds (instead of
   * the queue's visibility timeout), so a test sees their retry; Lambda waits the timeout out.
   * Done with `retrySqs` (the test's own credentials: the function's role has no such grant).
   */
  retryFailedAfterSeconds?: number;
  retrySqs?: SQSClient;
}

export interface PollResult {
  invocations: number;
  messages: number;
  failedItems: number;
  largestBatch: number;
  peakConcurrency: number;
}

export async function pollQueue(options: PollOptions): Promise<PollResult> {
  const result: PollResult = {
    invocations: 0,
    messages: 0,
    failedItems: 0,
    largestBatch: 0,
    peakConcurrency: 0,
  };
  let running = 0;
  const worker = async (): Promise<void> => {
    let idleSince = Date.now();
    for (;;) {
      const batch = await gather(options);
      if (batch.length === 0) {
        if (Date.now() - idleSince >= (options.idleMs ?? 3_000)) return;
        continue;
      }
      idleSince = Date.now();
      running++;
      result.peakConcurrency = Math.max(result.peakConcurrency, running);
      result.invocations++;
      result.messages += batch.length;
      result.largestBatch = Math.max(result.largestBatch, batch.length);
      let failed: Set<string>;
      try {
        const response = await options.handler(eventOf(batch, options.queueArn));
        failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
      } catch {
        // A failed invocation: the whole batch comes back.
        failed = new Set(batch.map((m) => m.MessageId ?? ''));
      } finally {
        running--;
      }
      result.failedItems += failed.size;
      if (options.retryFailedAfterSeconds !== undefined) {
        for (const m of batch.filter((x) => failed.has(x.MessageId ?? ''))) {
          await (options.retrySqs ?? options.sqs).send(
            new ChangeMessageVisibilityCommand({
              QueueUrl: options.queueUrl,
              ReceiptHandle: m.ReceiptHandle ?? '',
              VisibilityTimeout: options.retryFailedAfterSeconds,
            }),
          );
        }
      }
      const done = batch.filter((m) => !failed.has(m.MessageId ?? ''));
      for (let i = 0; i < done.length; i += 10) {
        await options.sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: options.queueUrl,
            Entries: done
              .slice(i, i + 10)
              .map((m, j) => ({ Id: String(j), ReceiptHandle: m.ReceiptHandle ?? '' })),
          }),
        );
      }
    }
  };
  await Promise.all(Array.from({ length: options.maxConcurrency }, () => worker()));
  return result;
}

/**
 * One batch: receive (10 at a time, SQS's limit) until it is full or the batching window has
 * passed since its first message, as Lambda gathers one.
 */
async function gather(options: PollOptions): Promise<Message[]> {
  const batch: Message[] = [];
  let until = Date.now() + options.windowMs;
  while (batch.length < options.batchSize && Date.now() < until) {
    const { Messages = [] } = await options.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: options.queueUrl,
        MaxNumberOfMessages: Math.min(10, options.batchSize - batch.length),
        ...(options.visibilitySeconds === undefined
          ? {}
          : { VisibilityTimeout: options.visibilitySeconds }),
        WaitTimeSeconds: batch.length === 0 ? 1 : 0,
      }),
    );
    if (batch.length === 0 && Messages.length > 0) until = Date.now() + options.windowMs;
    batch.push(...Messages);
  }
  return batch;
}

function eventOf(messages: Message[], queueArn: string): SQSEvent {
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
