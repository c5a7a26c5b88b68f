import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { DeadLetter, DeadLetterQueue } from '../detection/process.js';
import { clientConfig } from './clients.js';

/** SQS message bodies are limited to 256 KiB. */
const MAX_BODY_BYTES = 256 * 1024;

/**
 * Sends events the detect function could not process to the SQS dead-letter queue. The body is
 * the event exactly as received, so it can be redriven or replayed (`gatewarden detect` reads
 * EventBridge envelopes); the reason travels in message attributes.
 */
export class SqsDeadLetterQueue implements DeadLetterQueue {
  constructor(
    private readonly queueUrl: string,
    private readonly sqs: SQSClient = new SQSClient(clientConfig()),
  ) {}

  async send(letter: DeadLetter): Promise<void> {
    let body = letter.body;
    let truncated = false;
    if (Buffer.byteLength(body, 'utf8') > MAX_BODY_BYTES) {
      // Cannot happen for EventBridge events (≤ 256 KB) but an SQS batch body could be
      // re-wrapped larger; keep what fits and say so rather than losing the letter.
      body = Buffer.from(body, 'utf8')
        .subarray(0, MAX_BODY_BYTES - 1024)
        .toString('utf8');
      truncated = true;
    }
    await this.sqs.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: body,
        MessageAttributes: {
          reason: { DataType: 'String', StringValue: letter.reason.slice(0, 1000) },
          source: { DataType: 'String', StringValue: letter.source },
          failedAt: { DataType: 'String', StringValue: letter.failedAt },
          ...(truncated ? { truncated: { DataType: 'String', StringValue: 'true' } } : {}),
        },
      }),
    );
  }
}
