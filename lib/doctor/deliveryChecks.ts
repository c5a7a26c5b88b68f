import { HEARTBEAT_PERIOD_MINUTES, type DeliveryEntry } from '../detection/delivery.js';
import type { CheckResult } from './types.js';

/**
 * `doctor --org`'s delivery line per member: whether each region's forwarded events actually
 * arrive at the central detect, from the times detect records (lib/detection/delivery.ts). A
 * rule can exist, be enabled and aim at the central bus while delivery fails (the bus policy,
 * the forwarder role's trust or policy, a throttled target): only arrival shows it. A quiet
 * account is not a broken one: the heartbeat every {@link HEARTBEAT_PERIOD_MINUTES} minutes is
 * the positive signal, and its absence for two periods (plus slack for delivery and batching)
 * is the failure.
 */
export interface DeliveryCheckOptions {
  /** The heartbeat's period (the member template's schedule). */
  periodMs?: number;
  /** Added to two periods: delivery retries, the detect queue's batching, a clock's skew. */
  slackMs?: number;
  now?: () => number;
}

/** One region's verdict: fresh, or the problem in the doctor's words. */
export type DeliveryVerdict = { ok: true; lastMs: number } | { ok: false; problem: string };

const DEFAULT_SLACK_MS = 5 * 60_000;

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * The verdict for one account and region. Ages use the doctor's clock: a heartbeat stamped
 * later than it (the operator's clock behind AWS's) counts as fresh, never as a failure.
 */
export function deliveryVerdict(
  account: string,
  region: string,
  entry: DeliveryEntry | undefined,
  options: DeliveryCheckOptions = {},
): DeliveryVerdict {
  const periodMs = options.periodMs ?? HEARTBEAT_PERIOD_MINUTES * 60_000;
  const limit = 2 * periodMs + (options.slackMs ?? DEFAULT_SLACK_MS);
  const now = (options.now ?? Date.now)();
  const heartbeat = entry?.lastHeartbeatMs;
  const event = entry?.lastEventMs;
  if (heartbeat !== undefined && now - heartbeat <= limit) return { ok: true, lastMs: heartbeat };
  const latest = Math.max(heartbeat ?? -Infinity, event ?? -Infinity);
  if (latest === -Infinity)
    return { ok: false, problem: `no events delivered from ${account} ${region}: never` };
  if (event !== undefined && now - event <= limit) {
    // Events arrive, the heartbeat does not: its rule is gone, disabled or re-aimed.
    return {
      ok: false,
      problem:
        heartbeat === undefined
          ? `no heartbeat ever delivered from ${account} ${region} (its events arrive, last at ${iso(event)}): is its heartbeat rule there and enabled?`
          : `no heartbeat delivered from ${account} ${region} since ${iso(heartbeat)} (its events arrive, last at ${iso(event)}): is its heartbeat rule there and enabled?`,
    };
  }
  return {
    ok: false,
    problem: `no events delivered from ${account} ${region} since ${iso(latest)}`,
  };
}

/** One check line for a member: pass when every region's heartbeat is fresh. */
export function deliveryCheck(
  account: { id: string; label: string },
  regions: readonly string[],
  entries: readonly DeliveryEntry[],
  options: DeliveryCheckOptions = {},
): CheckResult {
  const id = `organization.delivery:${account.id}`;
  const problems: string[] = [];
  let oldest: number | undefined;
  for (const region of regions) {
    const verdict = deliveryVerdict(
      account.id,
      region,
      entries.find((e) => e.account === account.id && e.region === region),
      options,
    );
    if (!verdict.ok) problems.push(verdict.problem);
    else oldest = oldest === undefined ? verdict.lastMs : Math.min(oldest, verdict.lastMs);
  }
  if (problems.length > 0) {
    return {
      id,
      area: 'organization',
      status: 'fail',
      message: `${account.label}: ${problems[0] ?? ''}${problems.length > 1 ? ` (and ${problems.length - 1} more region(s))` : ''}`,
      details: problems,
    };
  }
  return {
    id,
    area: 'organization',
    status: 'pass',
    message: `${account.label}: heartbeats delivered from ${regions.join(', ')} (oldest of the latest ${oldest === undefined ? 'none' : iso(oldest)})`,
  };
}
