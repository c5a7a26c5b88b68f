import type { Alert, AlertSink } from '../alerts/alert.js';
import type { DetectionConfig } from './config.js';
import { meetsThreshold } from './config.js';
import type { Severity } from './types.js';

/**
 * Noise control on the way out. The engine already drops suppressed findings, claims each
 * rule's dedup window (conditional writes on DynamoDB when deployed) and flags dry-run rules;
 * what is left is per channel: each channel alerts only from its own severity up
 * (`channels` in the detection configuration, e.g. chat for high and critical only, the bus
 * for everything), and dry-run findings reach no channel at all.
 */

/** The channels a deployment may have; any may be absent. */
export interface ChannelSinks {
  sns?: AlertSink;
  eventBridge?: AlertSink;
  webhook?: AlertSink;
}

/**
 * Wraps a sink so it only receives alerts at or above `minSeverity`.
 */
export function withSeverityThreshold(sink: AlertSink, minSeverity: Severity): AlertSink {
  return {
    name: sink.name,
    async publish(alert: Alert): Promise<void> {
      if (!meetsThreshold(alert.severity, minSeverity)) return;
      await sink.publish(alert);
    },
  };
}

/** The configured channels, each behind its threshold. */
export function thresholdedSinks(
  channels: DetectionConfig['channels'],
  sinks: ChannelSinks,
): AlertSink[] {
  const out: AlertSink[] = [];
  if (sinks.sns) out.push(withSeverityThreshold(sinks.sns, channels.sns));
  if (sinks.eventBridge) out.push(withSeverityThreshold(sinks.eventBridge, channels.eventBridge));
  if (sinks.webhook) out.push(withSeverityThreshold(sinks.webhook, channels.webhook));
  return out;
}

/**
 * A channel whose failure is logged but does not fail the event: for the optional chat
 * webhook, so a broken webhook neither blocks the primary channels nor makes Lambda retry
 * (and re-send) the alerts they already delivered.
 */
export function bestEffort(
  sink: AlertSink,
  onError: (sink: string, error: unknown) => void,
): AlertSink {
  return {
    name: sink.name,
    async publish(alert: Alert): Promise<void> {
      try {
        await sink.publish(alert);
      } catch (error) {
        onError(sink.name, error);
      }
    },
  };
}
