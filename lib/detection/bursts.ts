import { createHash } from 'node:crypto';
import { publishAll, type AlertSink } from '../alerts/alert.js';
import { safeReason } from '../shared/redact.js';
import { findingToAlert } from './alerts.js';
import { named, type AccountNaming } from './accountNames.js';
import { burstFinding } from './grouping.js';
import type { BurstStore, ClosedBurst } from './ports.js';
import type { Finding } from './types.js';

/**
 * Burst summaries for the live function. It cannot hold a burst's first finding back the way
 * replay does (people want the first alert now), so it alerts on the first finding at once,
 * counts the rest into a {@link BurstStore}, and a scheduled flush sends one follow-up alert
 * per burst once its window has closed: the same finding replay emits for the same records
 * (`burstFinding`), with the final count, the first few resources and the last event's time.
 *
 * The window is in event time and CloudTrail reaches EventBridge minutes late (5 min p95), so a
 * burst is summarised only after its window end plus a grace period. A finding that still
 * arrives after the summary went out is alerted on its own: late, never lost.
 */

/** Delivery grace after a burst's window before its summary is sent (CloudTrail lag, p95 5 min). */
export const BURST_GRACE_SECONDS = 600;

/** A flush that took a burst and did not finish within this long is taken over. */
const TAKEOVER_MS = 300_000;

/** Bursts summarised per flush at most; the next scheduled flush takes the rest. */
const FLUSH_LIMIT = 200;

/** The follow-up alert for a closed burst: its own id, linked to the first finding's. */
export function burstSummary(burst: ClosedBurst): Finding {
  const finding = burstFinding(burst.first, burst);
  return {
    ...finding,
    findingId: createHash('sha256')
      .update(`${burst.first.findingId}\u0000burst`)
      .digest('hex')
      .slice(0, 32),
    group: {
      count: burst.count,
      resources: burst.resources,
      lastEventTime: burst.lastEventTime,
      windowSeconds: burst.windowSeconds,
      firstFindingId: burst.first.findingId,
    },
  };
}

export interface FlushLogger {
  info(message: string, attributes?: Record<string, unknown>): void;
  error(message: string, attributes?: Record<string, unknown>): void;
}

export interface FlushDeps {
  bursts: BurstStore;
  /** The thresholded sinks the first alerts went to. */
  sinks: readonly AlertSink[];
  logger: FlushLogger;
  now?: () => number;
  /** Names an organization member's findings (the central stage only). */
  accountNames?: AccountNaming;
  graceSeconds?: number;
  limit?: number;
}

export interface FlushResult {
  /** Follow-up alerts sent (bursts of two findings or more). */
  summaries: number;
  /** Bursts that stayed a single finding: closed without a second alert. */
  single: number;
  /** Bursts another flush is sending right now. */
  busy: number;
  /** Summaries that could not be sent; the burst stays due and the next flush retries. */
  failed: number;
}

/**
 * Sends the summary of every burst whose window (plus grace) has closed. Never throws for
 * one burst's sake: a burst whose alert fails is given back and retried by the next flush.
 */
export async function flushBursts(deps: FlushDeps): Promise<FlushResult> {
  const now = (deps.now ?? Date.now)();
  const grace = (deps.graceSeconds ?? BURST_GRACE_SECONDS) * 1000;
  const result: FlushResult = { summaries: 0, single: 0, busy: 0, failed: 0 };
  for (const due of await deps.bursts.due(now - grace, deps.limit ?? FLUSH_LIMIT)) {
    const taken = await deps.bursts.close(due, now, TAKEOVER_MS);
    if (taken.state === 'busy') {
      result.busy++;
      continue;
    }
    if (taken.state === 'gone') {
      await deps.bursts.forget(due);
      continue;
    }
    const { burst } = taken;
    if (burst.count < 2) {
      // The first alert already said everything.
      await deps.bursts.forget(due);
      result.single++;
      continue;
    }
    const summary = burstSummary(burst);
    try {
      await publishAll(deps.sinks, findingToAlert(await named(summary, deps.accountNames)));
    } catch (error) {
      await deps.bursts.reopen(due).catch(() => undefined);
      deps.logger.error('burst summary not sent', {
        findingId: summary.findingId,
        ruleId: summary.ruleId,
        error: safeReason(error),
      });
      result.failed++;
      continue;
    }
    await deps.bursts.forget(due);
    deps.logger.info('burst summary', {
      findingId: summary.findingId,
      firstFindingId: burst.first.findingId,
      ruleId: summary.ruleId,
      severity: summary.severity,
      count: burst.count,
    });
    result.summaries++;
  }
  return result;
}
