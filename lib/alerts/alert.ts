import type { Severity } from '../detection/types.js';

/**
 * An alert, ready for every channel: a human-readable subject and body for SNS (e-mail,
 * chat), and a machine-readable detail for the gatewarden EventBridge bus. Built from
 * identifiers only — callers pass nothing secret, and channels redact again on the way out.
 */
export interface Alert {
  /** EventBridge detail-type, e.g. `Gateway Finding`, `Rotation Failed`, `Rotation Succeeded`. */
  detailType: string;
  severity: Severity;
  /** SNS subject: at most 100 printable ASCII characters (channels truncate). */
  subject: string;
  /** Plain-text body for people. */
  body: string;
  /** JSON detail for machines; a stable, documented schema per detail-type. */
  detail: Record<string, unknown>;
  /** SNS message attributes for subscription filter policies (severity is always added). */
  attributes?: Record<string, string>;
}

/** A channel alerts are published to (SNS topic, EventBridge bus, chat webhook, memory). */
export interface AlertSink {
  readonly name: string;
  publish(alert: Alert): Promise<void>;
}

/** Publishes to every sink; one failing channel does not stop the others, but is reported. */
export async function publishAll(sinks: readonly AlertSink[], alert: Alert): Promise<void> {
  const results = await Promise.allSettled(sinks.map((sink) => sink.publish(alert)));
  const failed = results.flatMap((result, i) =>
    result.status === 'rejected' ? [sinks[i]?.name ?? `sink ${i}`] : [],
  );
  if (failed.length > 0) {
    throw new Error(`alert delivery failed on: ${failed.join(', ')}`);
  }
}

/** In-memory sink for unit tests and dry runs. */
export class MemoryAlertSink implements AlertSink {
  readonly name = 'memory';
  readonly alerts: Alert[] = [];
  async publish(alert: Alert): Promise<void> {
    this.alerts.push(alert);
  }
}
