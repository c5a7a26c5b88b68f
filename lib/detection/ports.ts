import type { Finding } from './types.js';

/**
 * State the detection engine needs, behind ports, so the engine itself stays pure: the
 * deployed path implements them on DynamoDB (conditional writes), replay and the benchmark use
 * the in-memory implementations in `memoryStores.ts`, unit tests use those too.
 *
 * Time is always passed in (the record's `eventTime`), never read from a clock, so replaying
 * old logs behaves exactly as live processing did.
 */

/** What a baseline lookup says about a (subject, dimension, value) triple. */
export interface BaselineObservation {
  /** True when this value was already seen for this subject and dimension. */
  known: boolean;
  /**
   * When the subject was first seen in this dimension at all (epoch ms). The engine only alerts
   * on unknown values once `atMs - subjectFirstSeenMs` exceeds the learning period.
   */
  subjectFirstSeenMs: number;
}

/** A baseline dimension: `action`, `sourceIp`, `userAgent` per principal; `issuer`, `role`, `clients`, `endpoint` per gateway; `passer` per role. */
export type BaselineDimension = string;

/**
 * Behaviour baselines: "has principal P done X before?". `observe` records the value and
 * answers as of *before* this observation (so the first observation is `known: false`).
 * DynamoDB: one item per (dimension, subject, value) with `if_not_exists(firstSeen)` plus one
 * per (dimension, subject) for `subjectFirstSeenMs`.
 */
export interface BaselineStore {
  observe(
    dimension: BaselineDimension,
    subject: string,
    value: string,
    atMs: number,
  ): Promise<BaselineObservation>;
}

/**
 * Tumbling-window counters for stateful rules (bulk secret reads, access-denied bursts,
 * call-rate spikes). A window is identified by `windowStartMs` (the engine aligns it), so a
 * DynamoDB item per (key, windowStartMs) with `ADD` and a TTL is enough.
 */
export interface WindowCounter {
  /**
   * Adds one occurrence to `key` in the window starting at `windowStartMs`, or, when `member`
   * is given, adds `member` to the window's set. Returns the count (or the set size) after
   * adding. Adding an existing member does not grow the set.
   */
  add(key: string, windowStartMs: number, windowSeconds: number, member?: string): Promise<number>;
  /** Totals of earlier windows of `key` (missing windows count 0), in the order given. */
  totals(key: string, windowStartsMs: readonly number[]): Promise<number[]>;
}

/**
 * Deduplication: a finding with the same rule and dedup key alerts once per window.
 * `claim` returns true for the first caller in the window and false for everyone else
 * (DynamoDB: conditional put on `attribute_not_exists(pk) OR expiresAt < :now`).
 */
export interface DedupStore {
  claim(ruleId: string, dedupKey: string, atMs: number, windowSeconds: number): Promise<boolean>;
}

/**
 * One version of a resource's last known state (a gateway's configuration, a policy's Cedar
 * scopes, …): the event that left it so, and the state as a JSON text (`null`: deleted).
 */
export interface StateVersion {
  atMs: number;
  eventId: string;
  state: string | null;
}

/**
 * Last known state per resource, ordered by event time (then eventID), whatever order records
 * arrive in: a record sees the version in force just before it, so an older record arriving
 * late neither overwrites a newer state nor is compared with it. DynamoDB: one item per
 * resource under the baselines' `bl#` prefix holding a short, time-ordered history, written
 * with an optimistic version check.
 */
export interface LastStateStore {
  /**
   * Inserts the state a record at (`atMs`, `eventId`) left `kind`/`subject` in, computed by
   * `next` from the version before it, and returns that version (undefined: none known, or
   * the record is older than the kept history). A record already inserted (same eventID) is
   * not inserted again and gets the same answer. `next` returning undefined: the record says
   * nothing about the resulting state (the answer only).
   */
  record(
    kind: string,
    subject: string,
    atMs: number,
    eventId: string,
    next: (previous: StateVersion | undefined) => string | null | undefined,
  ): Promise<StateVersion | undefined>;
}

/** Versions kept per resource: enough for records arriving that far out of order. */
export const STATE_HISTORY = 8;

/** Largest state text kept per version (a larger one is kept as "too large to compare"). */
export const MAX_STATE_CHARS = 16_384;

/** Everything stateful the engine is given. */
export interface DetectionState {
  baselines: BaselineStore;
  counters: WindowCounter;
  dedup: DedupStore;
  /** Last known resource states (field-level change rules); the engine keeps one in memory when absent. */
  lastStates?: LastStateStore;
}

/**
 * Optional synchronous forms (the in-memory stores have them): with these the engine can
 * evaluate a record without a promise per record (replay, benchmark).
 */
export interface SyncDetectionState extends DetectionState {
  baselines: BaselineStore & {
    observeSync(
      dimension: BaselineDimension,
      subject: string,
      value: string,
      atMs: number,
    ): BaselineObservation;
  };
  counters: WindowCounter & {
    addSync(key: string, windowStartMs: number, windowSeconds: number, member?: string): number;
    totalsSync(key: string, windowStartsMs: readonly number[]): number[];
  };
  dedup: DedupStore & {
    claimSync(ruleId: string, dedupKey: string, atMs: number, windowSeconds: number): boolean;
  };
  lastStates?: LastStateStore & { recordSync: SyncRecord };
}

/** The synchronous form of {@link LastStateStore.record}. */
export type SyncRecord = (
  ...args: Parameters<LastStateStore['record']>
) => StateVersion | undefined;

/** True when every port of `state` also answers synchronously. */
export function isSyncState(state: DetectionState): state is SyncDetectionState {
  const s = state as unknown as Partial<
    Record<'baselines' | 'counters' | 'dedup' | 'lastStates', Record<string, unknown>>
  >;
  return (
    (s.lastStates === undefined || typeof s.lastStates.recordSync === 'function') &&
    typeof s.baselines?.observeSync === 'function' &&
    typeof s.counters?.addSync === 'function' &&
    typeof s.counters?.totalsSync === 'function' &&
    typeof s.dedup?.claimSync === 'function'
  );
}

/** A finding counted into a burst: identifiers only. */
export interface BurstMember {
  eventId: string;
  eventTime: string;
  resource?: string;
}

/** What {@link BurstStore.add} did with a finding. */
export type BurstAdd = 'counted' | 'closed' | 'none';

/** A burst whose window closed: its first finding and the final tally. */
export interface ClosedBurst {
  groupId: string;
  first: Finding;
  count: number;
  resources: string[];
  lastEventTime: string;
  windowSeconds: number;
  untilMs: number;
}

/** A burst due for its summary (window ended), as listed by {@link BurstStore.due}. */
export interface DueBurst {
  groupId: string;
  untilMs: number;
}

/**
 * Bursts the live function alerted on at once: the first finding opens one, later findings of
 * the same rule and principal are counted into it, and once its window has closed a scheduled
 * flush sends one follow-up alert with the final count (see `bursts.ts`). DynamoDB: one item
 * per burst, a pointer per group key, a due-list partition sorted by window end, and one item
 * per counted event so a retried invocation never counts twice.
 */
export interface BurstStore {
  /**
   * Opens a burst with its (alerted) first finding, which stands for `events` events (1, or a
   * threshold rule's threshold); idempotent on `first.findingId`.
   */
  open(
    key: string,
    first: Finding,
    untilMs: number,
    windowSeconds: number,
    events?: number,
  ): Promise<void>;
  /**
   * Counts a grouped finding into the burst open on `key`, once per event id, while the event
   * falls within the burst's window (event time): `counted` (a retry of a counted event too).
   * `closed`: its summary is already out, or the event is after its window; `none`: no burst
   * was recorded on `key` (yet: the finding that opens it may still be on its way).
   */
  add(key: string, member: BurstMember): Promise<BurstAdd>;
  /** Bursts whose window ended at or before `beforeMs`, oldest first, at most `limit`. */
  due(beforeMs: number, limit: number): Promise<DueBurst[]>;
  /**
   * Takes a due burst for its summary: exactly one caller gets `closed` (a take older than
   * `staleMs` is taken over, so a crash between take and send loses nothing). `busy`: another
   * flush holds it; `gone`: its summary went out already or it never existed.
   */
  close(
    burst: DueBurst,
    nowMs: number,
    staleMs: number,
  ): Promise<{ state: 'closed'; burst: ClosedBurst } | { state: 'busy' } | { state: 'gone' }>;
  /** Marks a burst's summary as sent (or not needed) and drops it from the due list. */
  forget(burst: DueBurst): Promise<void>;
  /** Gives a taken burst back (its summary could not be sent): the next flush retries it. */
  reopen(burst: DueBurst): Promise<void>;
}
