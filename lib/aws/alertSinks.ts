import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { Alert, AlertSink } from '../alerts/alert.js';
import { redact, redactText } from '../shared/redact.js';
import { clientConfig } from './clients.js';

/** Publishes alerts to an SNS topic, with message attributes for filter policies. */
export class SnsAlertSink implements AlertSink {
  readonly name = 'sns';
  constructor(
    private readonly topicArn: string,
    private readonly sns: SNSClient = new SNSClient(clientConfig()),
  ) {}

  async publish(alert: Alert): Promise<void> {
    const attributes = {
      severity: alert.severity,
      detailType: alert.detailType,
      ...alert.attributes,
    };
    await this.sns.send(
      new PublishCommand({
        TopicArn: this.topicArn,
        Subject: toSnsSubject(redactText(alert.subject)),
        Message: redactText(alert.body),
        MessageAttributes: Object.fromEntries(
          Object.entries(attributes).map(([key, value]) => [
            key,
            { DataType: 'String', StringValue: value },
          ]),
        ),
      }),
    );
  }
}

/** Publishes alerts to the gatewarden EventBridge bus, source `gatewarden`. */
export class EventBridgeAlertSink implements AlertSink {
  readonly name = 'eventbridge';
  constructor(
    private readonly busName: string,
    private readonly events: EventBridgeClient = new EventBridgeClient(clientConfig()),
  ) {}

  async publish(alert: Alert): Promise<void> {
    const result = await this.events.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: this.busName,
            Source: 'gatewarden',
            DetailType: alert.detailType,
            Detail: JSON.stringify(redact(alert.detail)),
          },
        ],
      }),
    );
    if ((result.FailedEntryCount ?? 0) > 0) {
      const code = result.Entries?.[0]?.ErrorCode ?? 'unknown';
      throw new Error(`EventBridge rejected the alert (${code})`);
    }
  }
}

/** SNS subjects: ASCII, no line breaks, at most 100 characters. */
export function toSnsSubject(subject: string): string {
  const ascii = subject.replace(/[^\x20-\x7E]/g, ' ').trim();
  return ascii.length <= 100 ? ascii : `${ascii.slice(0, 97)}...`;
}
