import type { ScanIssue } from './usage.js';
import type { RecordQuality, UsageStats } from './UsageCollector.js';

/** What the records read say about the window: whether usage is known, and what was skipped. */
export interface UsageCoverage {
  /** Set when usage is unknown for every principal: nothing may be called unused or idle. */
  unknownReason?: string;
  /** Records skipped in part (a partial trail still counts; the gaps are shown). */
  issues: ScanIssue[];
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/**
 * Usage is known only when some CloudTrail record with an eventTime lies inside the window.
 * A folder of unrelated JSON, a trail entirely before the window, or records without
 * eventTime prove nothing about use, so they make usage unknown — never "unused".
 */
export function usageCoverage(
  source: string,
  window: { from: string; to: string },
  stats: Pick<UsageStats, 'eventsRead' | 'eventsOutsideWindow'>,
  quality: RecordQuality,
): UsageCoverage {
  const skipped: string[] = [];
  if (quality.notCloudTrail > 0)
    skipped.push(
      `${plural(quality.notCloudTrail, 'record')} not CloudTrail (no eventSource/eventName)`,
    );
  if (quality.withoutTime > 0)
    skipped.push(`${plural(quality.withoutTime, 'record')} without eventTime`);
  const issues: ScanIssue[] = skipped.map((reason) => ({
    input: source,
    reason,
  }));
  if (stats.eventsRead === 0)
    return {
      unknownReason: `${source} held no CloudTrail record`,
      issues: [...issues, { input: source, reason: 'no CloudTrail record: usage unknown' }],
    };
  if (quality.inWindow > 0) return { issues };
  const parts = [...skipped];
  if (stats.eventsOutsideWindow > 0)
    parts.unshift(`${plural(stats.eventsOutsideWindow, 'record')} outside the window`);
  const unknownReason = `no CloudTrail record of ${source} falls inside the window ${window.from.slice(0, 10)} → ${window.to.slice(0, 10)} (${plural(stats.eventsRead, 'record')} read: ${parts.join(', ')})`;
  return {
    unknownReason,
    issues: [...issues, { input: source, reason: 'no record inside the window: usage unknown' }],
  };
}
