import { safeReason } from '../shared/redact.js';
import { InputReadError } from './errors.js';
import { openText, readItems, unwrapRecords } from './input.js';
import { validateRecord, type CloudTrailRecord } from './record.js';

/**
 * Event-time order across files, as the live function sees the stream: CloudTrail delivers
 * files per region and per account, tools write exports newest-first, and a folder's path
 * order is not time order. Replay therefore:
 * 1. scans each file once for its earliest `eventTime` (a text scan, no JSON parse);
 * 2. loads a file (parsed, validated, sorted) only when the merge reaches that time;
 * 3. merges the loaded files' records through a heap (k-way merge).
 * Memory holds the files whose periods overlap the current instant, not the whole input: for
 * CloudTrail's five-minute files that is a handful per account and region. A single file is
 * held whole while it is being merged (its records must be sorted).
 */

/** What loading one file found (for the per-file warnings and the summary). */
export interface FileLoad {
  file: string;
  /** Valid records. */
  records: number;
  malformed: number;
  firstReason?: string;
  /** CloudTrail Insights events (not API calls): neither evaluated nor malformed. */
  insights: number;
  /** Set when the file could not be read to its end (records before the failure still count). */
  error?: InputReadError;
}

export interface TimeOrderOptions {
  /** Called once per file, when it is loaded (before any of its records is yielded). */
  onLoad: (load: FileLoad) => void;
  /** Called once per file, when its last record has been yielded. */
  onDone?: (file: string) => void;
}

interface Entry {
  at: number;
  record: CloudTrailRecord;
}

interface Cursor {
  entries: Entry[];
  index: number;
  file: string;
}

/** Orders two records: event time, then event id (so ties do not depend on file order). */
function compareEntries(a: Entry, b: Entry): number {
  if (a.at !== b.at) return a.at - b.at;
  const x = a.record.eventID;
  const y = b.record.eventID;
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * Every valid record of `files`, in event-time order (ties by event id), whatever order the
 * files are given in and the records are written in.
 */
export async function* recordsInTimeOrder(
  files: readonly string[],
  options: TimeOrderOptions,
): AsyncGenerator<CloudTrailRecord> {
  const spans: { file: string; first: number }[] = [];
  for (const file of files) spans.push({ file, first: await earliestEventTime(file) });
  spans.sort((a, b) => a.first - b.first || (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));

  const heap = new CursorHeap();
  let next = 0;
  for (;;) {
    // Load every file that may hold a record at or before the next one to yield.
    while (next < spans.length) {
      const span = spans[next];
      const top = heap.peek();
      if (span === undefined || (top !== undefined && span.first > currentOf(top).at)) break;
      next++;
      const entries = await loadSorted(span.file, options.onLoad);
      if (entries.length > 0) heap.push({ entries, index: 0, file: span.file });
      else options.onDone?.(span.file);
    }
    const cursor = heap.peek();
    if (cursor === undefined) return;
    yield currentOf(cursor).record;
    cursor.index++;
    if (cursor.index < cursor.entries.length) heap.siftDownTop();
    else {
      heap.pop();
      options.onDone?.(cursor.file);
    }
  }
}

function currentOf(cursor: Cursor): Entry {
  return cursor.entries[cursor.index] as Entry;
}

/** Reads, validates and sorts one file's records; reports what it found. */
async function loadSorted(file: string, onLoad: TimeOrderOptions['onLoad']): Promise<Entry[]> {
  const entries: Entry[] = [];
  const load: FileLoad = { file, records: 0, malformed: 0, insights: 0 };
  try {
    for await (const batch of readItems(file)) {
      for (const item of batch) {
        if (!item.ok) {
          load.malformed++;
          load.firstReason ??= item.reason;
          continue;
        }
        for (const raw of unwrapRecords(item.value)) {
          if (isInsight(raw)) {
            load.insights++;
            continue;
          }
          const validated = validateRecord(raw);
          if (!validated.ok) {
            load.malformed++;
            load.firstReason ??= validated.reason;
            continue;
          }
          entries.push({ at: Date.parse(validated.record.eventTime), record: validated.record });
        }
      }
    }
  } catch (error) {
    load.error =
      error instanceof InputReadError
        ? error
        : // A parser's or reader's message may quote the file: its class and code only.
          new InputReadError(`cannot read ${file}: ${safeReason(error)}`, { cause: error });
  }
  load.records = entries.length;
  onLoad(load);
  return entries.sort(compareEntries);
}

function isInsight(raw: unknown): boolean {
  return (
    raw !== null &&
    typeof raw === 'object' &&
    (raw as Record<string, unknown>).eventType === 'AwsCloudTrailInsight'
  );
}

/**
 * `"eventTime": "…"` as written by CloudTrail, and inside a JSON string (LookupEvents'
 * `CloudTrailEvent`, an SQS body) with its quotes escaped.
 */
const EVENT_TIME = /\\?"eventTime\\?"\s*:\s*\\?"([0-9][0-9T:.+\-Z ]{9,39})/g;

/**
 * The earliest `eventTime` written in a file, by a text scan (no JSON parse): it decides when
 * the merge loads the file. A value nested elsewhere can only make it earlier (the file is
 * loaded sooner, still correct); a file without one (or unreadable) sorts first, where its
 * problem is reported.
 */
export async function earliestEventTime(file: string): Promise<number> {
  let earliest = Number.POSITIVE_INFINITY;
  try {
    const stream = await openText(file);
    let tail = '';
    for await (const chunk of stream) {
      const text = tail + (chunk as string);
      EVENT_TIME.lastIndex = 0;
      for (let m = EVENT_TIME.exec(text); m !== null; m = EVENT_TIME.exec(text)) {
        const at = Date.parse(m[1] ?? '');
        if (at < earliest) earliest = at;
      }
      // A key split across two chunks is found in the next one; a match found twice is harmless.
      tail = text.slice(-96);
    }
  } catch {
    return Number.NEGATIVE_INFINITY;
  }
  return Number.isFinite(earliest) ? earliest : Number.NEGATIVE_INFINITY;
}

/** A binary min-heap of cursors, ordered by each cursor's current record. */
class CursorHeap {
  private readonly items: Cursor[] = [];

  peek(): Cursor | undefined {
    return this.items[0];
  }

  push(cursor: Cursor): void {
    const items = this.items;
    items.push(cursor);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.less(i, parent)) {
        this.swap(i, parent);
        i = parent;
      } else break;
    }
  }

  pop(): Cursor | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length > 0 && last !== undefined) {
      items[0] = last;
      this.siftDownTop();
    }
    return top;
  }

  /** Restores the heap after the top cursor advanced. */
  siftDownTop(): void {
    const n = this.items.length;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let smallest = i;
      if (l < n && this.less(l, smallest)) smallest = l;
      if (r < n && this.less(r, smallest)) smallest = r;
      if (smallest === i) return;
      this.swap(i, smallest);
      i = smallest;
    }
  }

  private less(i: number, j: number): boolean {
    return (
      compareEntries(currentOf(this.items[i] as Cursor), currentOf(this.items[j] as Cursor)) < 0
    );
  }

  private swap(i: number, j: number): void {
    const items = this.items;
    const t = items[i] as Cursor;
    items[i] = items[j] as Cursor;
    items[j] = t;
  }
}
