import { dayText, type DayRange, type DaySet } from './daySet.js';
import type { ScanIssue } from './usage.js';
import type { RecordQuality, UsageStats } from './UsageCollector.js';

/** What the records read say about the window: whether usage is known, and what was skipped. */
export interface UsageCoverage {
  /** Set when usage is unknown (or partial) for every principal: nothing may be called unused. */
  unknownReason?: string;
  /**
   * Set when the trail has records in the window but not up to its edges: the days of the
   * window without any record at its start or end. Usage is then partial, as unknown.
   */
  missingDays?: DayRange[];
  /** Records skipped in part, days without records inside the window (shown, not fatal). */
  issues: ScanIssue[];
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const range = (r: DayRange) => (r.from === r.to ? r.from : `${r.from} → ${r.to}`);
const days = (r: DayRange) =>
  Math.round((Date.parse(r.to) - Date.parse(r.from)) / (24 * 3600 * 1000)) + 1;
/** Gaps inside the window listed one by one; past that, counted. */
const MAX_GAPS_LISTED = 10;
/**
 * The longest run of days without any record that a covering trail may have inside the window.
 * An account's trail records AWS services' own calls every day; more than a week of nothing is
 * a trail that was stopped or logs that are missing (or two records planted at the window's
 * edges), and any principal could have used its rights unseen then.
 */
export const MAX_QUIET_DAYS = 7;

/**
 * Usage is known only when the trail covers the window: some CloudTrail record with an
 * eventTime lies inside it, and the first and last days with records are within a day of the
 * window's first and last (UTC) days. A folder of unrelated JSON, a trail entirely before the
 * window, or records without eventTime prove nothing about use: usage unknown. Records on a
 * few days only (one planted record, a trail that starts late or stops early) leave the rest of
 * the window unseen: usage partial, with the missing days named — never "unused". Days
 * without records between the first and last are listed as warnings: quiet accounts have
 * quiet days, so they alone do not make usage unknown.
 */
export function usageCoverage(
  source: string,
  window: { from: string; to: string },
  stats: Pick<UsageStats, 'eventsRead' | 'eventsOutsideWindow'>,
  quality: RecordQuality,
  /** The days of the window with records (every source gives them: records or day counts). */
  daySet: DaySet,
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
  if (quality.inWindow === 0) {
    const parts = [...skipped];
    if (stats.eventsOutsideWindow > 0)
      parts.unshift(`${plural(stats.eventsOutsideWindow, 'record')} outside the window`);
    const unknownReason = `no CloudTrail record of ${source} falls inside the window ${window.from.slice(0, 10)} → ${window.to.slice(0, 10)} (${plural(stats.eventsRead, 'record')} read: ${parts.join(', ')})`;
    return {
      unknownReason,
      issues: [...issues, { input: source, reason: 'no record inside the window: usage unknown' }],
    };
  }
  const span = daySet.span();
  if (span === undefined) {
    // Counted in the window, yet on no day (a count per day that came back empty): unseen.
    const whole = { from: dayText(daySet.first), to: dayText(daySet.last) };
    return {
      unknownReason: `usage partial: ${source} counted records in the window ${window.from.slice(0, 10)} → ${window.to.slice(0, 10)} but on no day of it`,
      missingDays: [whole],
      issues: [...issues, { input: source, reason: `no record on ${range(whole)}: usage partial` }],
    };
  }
  const missing: DayRange[] = [];
  if (span.first > daySet.first)
    missing.push({ from: dayText(daySet.first), to: dayText(span.first - 1) });
  if (span.last < daySet.last)
    missing.push({ from: dayText(span.last + 1), to: dayText(daySet.last) });
  const gaps = daySet.gaps(span.first + 1, span.last - 1);
  for (const gap of gaps.slice(0, MAX_GAPS_LISTED))
    issues.push({
      input: source,
      reason: `no record on ${range(gap)} (${plural(days(gap), 'day')} inside the window): a quiet account, or logs missing`,
    });
  if (gaps.length > MAX_GAPS_LISTED)
    issues.push({
      input: source,
      reason: `${gaps.length - MAX_GAPS_LISTED} more runs of days without records inside the window`,
    });
  // A day of slack at each edge: the window starts mid-day, and the last hour's logs may not
  // be delivered yet.
  const edgesCovered = span.first <= daySet.first + 1 && span.last >= daySet.last - 1;
  const silent = gaps.filter((gap) => days(gap) > MAX_QUIET_DAYS);
  if (edgesCovered && silent.length === 0) return { issues };
  if (edgesCovered) {
    return {
      unknownReason: `usage partial: ${source} has no record on ${silent.map(range).join(', ')} of the window ${window.from.slice(0, 10)} → ${window.to.slice(0, 10)} (more than ${MAX_QUIET_DAYS} days in a row: the trail stopped or its logs are missing)`,
      missingDays: silent,
      issues: [
        ...issues,
        {
          input: source,
          reason: `no record on ${silent.map(range).join(', ')}: usage partial`,
        },
      ],
    };
  }
  missing.push(...silent);
  const unknownReason = `usage partial: ${source} has records on ${range({ from: dayText(span.first), to: dayText(span.last) })} only, not on ${missing.map(range).join(' and ')} of the window ${window.from.slice(0, 10)} → ${window.to.slice(0, 10)}`;
  return {
    unknownReason,
    missingDays: missing,
    issues: [
      ...issues,
      {
        input: source,
        reason: `no record on ${missing.map(range).join(' and ')}: usage partial`,
      },
    ],
  };
}
