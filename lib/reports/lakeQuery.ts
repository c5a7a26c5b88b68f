import type { ActivityWindow } from './usage.js';

/**
 * The CloudTrail Lake side of usage coverage: records per UTC day of the window, the second
 * query a report runs beside its usage aggregate (as Athena's `athenaDaysQuery`), so a trail
 * read through Lake proves which days it covers the way log files and Athena do.
 */

/** Lake's `eventTime` is a timestamp; the window is compared as `YYYY-MM-DD hh:mm:ss`. */
export const lakeTimestamp = (d: Date): string => d.toISOString().replace('T', ' ').slice(0, 19);

/** The id part of an event data store ARN (the `FROM` of a Lake query). */
export const lakeTableId = (eventDataStore: string): string =>
  eventDataStore.split('/').pop() ?? eventDataStore;

/**
 * Records per day of the window, every record counted (refused and unattributed ones prove the
 * trail was logging too, as the log-file sources count them). At most one row per day.
 */
export function lakeDaysQuery(eventDataStore: string, window: ActivityWindow): string {
  const day = "date_format(eventTime, '%Y-%m-%d')";
  return [
    `SELECT ${day} AS day, COUNT(*) AS records`,
    `FROM ${lakeTableId(eventDataStore)}`,
    `WHERE eventTime >= '${lakeTimestamp(window.from)}' AND eventTime <= '${lakeTimestamp(window.to)}'`,
    `GROUP BY ${day}`,
  ].join('\n');
}

/** Columns of {@link lakeDaysQuery}. */
export const LAKE_DAY_COLUMNS = ['day', 'records'] as const;

/**
 * Maps rows of {@link lakeDaysQuery} (column → text) to `{ day, count }`. A row that is not a
 * day and a positive count is skipped: it proves no day covered.
 */
export function lakeRowsToDays(
  rows: readonly Record<string, string | undefined>[],
): { day: string; count: number }[] {
  const out: { day: string; count: number }[] = [];
  for (const row of rows) {
    // Lake may print a date or a timestamp (`2026-11-20 00:00:00.000`): the day is its start.
    const day = /^(\d{4}-\d\d-\d\d)(?:$| )/.exec(row.day ?? '')?.[1];
    const count = Number(row.records ?? '0');
    if (day === undefined || !Number.isSafeInteger(count) || count <= 0) continue;
    out.push({ day, count });
  }
  return out;
}
