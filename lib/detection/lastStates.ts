import { MAX_STATE_CHARS, STATE_HISTORY, type LastStateStore, type StateVersion } from './ports.js';

/** Event order: time, then eventID (two records of one millisecond keep one order everywhere). */
function before(a: { atMs: number; eventId: string }, b: { atMs: number; eventId: string }) {
  return a.atMs < b.atMs || (a.atMs === b.atMs && a.eventId < b.eventId);
}

/** What inserting one record into a resource's history gives. */
export interface Insertion {
  previous: StateVersion | undefined;
  /** The new history, or undefined when nothing changed (a duplicate, or a look-only record). */
  history: StateVersion[] | undefined;
}

/** A state text too large to keep is kept as this marker: a later change is "unknown before". */
export const TOO_LARGE = '{"tooLarge":true}';

/**
 * Inserts a record's resulting state into a time-ordered history (oldest first, at most
 * {@link STATE_HISTORY} versions): the answer is the version just before the record. A
 * record older than a full history has no known previous version.
 */
export function insertVersion(
  history: readonly StateVersion[],
  atMs: number,
  eventId: string,
  next: (previous: StateVersion | undefined) => string | null | undefined,
): Insertion {
  const same = history.findIndex((v) => v.eventId === eventId);
  let index = 0;
  while (index < history.length && before(history[index] as StateVersion, { atMs, eventId })) {
    index++;
  }
  const truncated = history.length >= STATE_HISTORY && index === 0;
  const previous = truncated ? undefined : history[index - 1];
  if (same >= 0) {
    // Already inserted: the same answer as the first time (a retried or duplicated record).
    return { previous: history[same - 1], history: undefined };
  }
  const state = next(previous);
  if (state === undefined || truncated) return { previous, history: undefined };
  const kept = state !== null && state.length > MAX_STATE_CHARS ? TOO_LARGE : state;
  const out = [...history];
  out.splice(index, 0, { atMs, eventId, state: kept });
  while (out.length > STATE_HISTORY) out.shift();
  return { previous, history: out };
}

/** In memory (replay, tests): a bounded number of resources. */
export class MemoryLastStateStore implements LastStateStore {
  private readonly histories = new Map<string, StateVersion[]>();

  constructor(private readonly maxResources = 50_000) {}

  async record(
    kind: string,
    subject: string,
    atMs: number,
    eventId: string,
    next: (previous: StateVersion | undefined) => string | null | undefined,
  ): Promise<StateVersion | undefined> {
    return this.recordSync(kind, subject, atMs, eventId, next);
  }

  recordSync(
    kind: string,
    subject: string,
    atMs: number,
    eventId: string,
    next: (previous: StateVersion | undefined) => string | null | undefined,
  ): StateVersion | undefined {
    const key = `${kind}\u0000${subject}`;
    const { previous, history } = insertVersion(this.histories.get(key) ?? [], atMs, eventId, next);
    if (history !== undefined) {
      if (this.histories.size >= this.maxResources && !this.histories.has(key)) {
        const oldest = this.histories.keys().next().value;
        if (oldest !== undefined) this.histories.delete(oldest);
      }
      this.histories.set(key, history);
    }
    return previous;
  }
}
