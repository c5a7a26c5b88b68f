/** A span of whole UTC days, both ends included (`YYYY-MM-DD`). */
export interface DayRange {
  from: string;
  to: string;
}

const DAY_MS = 24 * 3600 * 1000;
/** `YYYY-MM-DD` at the start of an ISO time, as CloudTrail writes eventTime. */
const DAY = /^(\d{4})-(\d\d)-(\d\d)/;

/** The UTC day of an ISO time, as a day number since the epoch (NaN when not readable). */
export function dayNumber(time: string): number {
  const m = DAY.exec(time);
  if (m === null) return NaN;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  // Date.UTC rolls 2026-02-31 over to March: such a day is not a day.
  return new Date(ms).toISOString().slice(0, 10) === m[0] ? ms / DAY_MS : NaN;
}

/** `YYYY-MM-DD` of a day number. */
export function dayText(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/**
 * The UTC days of a window on which records were seen, with how many: one counter per day of
 * the window (a 90-day window is 91 numbers), whatever the number of records. Days outside the
 * window are not kept.
 */
export class DaySet {
  /** Day number of the window's first day (the UTC day `from` falls in). */
  readonly first: number;
  /** Day number of the window's last day. */
  readonly last: number;
  private readonly counts: Float64Array;
  /** The `YYYY-MM-DD` text and number of the day last noted: records come in runs of one day. */
  private lastText = '';
  private lastDay = NaN;

  constructor(window: { from: string; to: string }) {
    this.first = dayNumber(window.from);
    this.last = dayNumber(window.to);
    const length =
      Number.isFinite(this.first) && this.last >= this.first ? this.last - this.first + 1 : 0;
    this.counts = new Float64Array(length);
  }

  /** Notes `count` records at `time` (an ISO time inside the window). */
  note(time: string, count = 1): void {
    let day: number;
    if (this.lastText !== '' && time.startsWith(this.lastText)) day = this.lastDay;
    else {
      day = dayNumber(time);
      if (Number.isNaN(day)) return;
      this.lastText = time.slice(0, 10);
      this.lastDay = day;
    }
    const index = day - this.first;
    if (index >= 0 && index < this.counts.length)
      this.counts[index] = (this.counts[index] ?? 0) + count;
  }

  /** Records noted on a day (a day number). */
  count(day: number): number {
    return this.counts[day - this.first] ?? 0;
  }

  /** The first and last day with a record (day numbers), or undefined when none. */
  span(): { first: number; last: number } | undefined {
    const first = this.counts.findIndex((c) => c > 0);
    if (first < 0) return undefined;
    const last = this.counts.findLastIndex((c) => c > 0);
    return { first: this.first + first, last: this.first + last };
  }

  /** The runs of days in [from, to] (day numbers) without any record. */
  gaps(from: number, to: number): DayRange[] {
    const out: DayRange[] = [];
    let start: number | undefined;
    for (let day = from; day <= to + 1; day++) {
      const empty = day <= to && this.count(day) === 0;
      if (empty && start === undefined) start = day;
      else if (!empty && start !== undefined) {
        out.push({ from: dayText(start), to: dayText(day - 1) });
        start = undefined;
      }
    }
    return out;
  }
}
