import type {
  BaselineDimension,
  BaselineObservation,
  BaselineStore,
  BurstAdd,
  BurstMember,
  BurstStore,
  ClosedBurst,
  DedupStore,
  DetectionState,
  DueBurst,
  WindowCounter,
} from './ports.js';
import { GROUP_RESOURCES } from './grouping.js';
import { MemoryLastStateStore } from './lastStates.js';
import type { Finding } from './types.js';

/**
 * In-memory implementations of the detection ports: replay, the benchmark and unit tests.
 * Memory is bounded by the number of distinct (principal, value) pairs and by pruning windows
 * that ended long ago, so a long replay stays flat.
 */
export class MemoryBaselineStore implements BaselineStore {
  private readonly values = new Set<string>();
  private readonly subjects = new Map<string, number>();

  async observe(
    dimension: BaselineDimension,
    subject: string,
    value: string,
    atMs: number,
  ): Promise<BaselineObservation> {
    return this.observeSync(dimension, subject, value, atMs);
  }

  /** Synchronous form, for the engine's fast path. */
  observeSync(
    dimension: BaselineDimension,
    subject: string,
    value: string,
    atMs: number,
  ): BaselineObservation {
    const subjectKey = `${dimension}\u0000${subject}`;
    const first = this.subjects.get(subjectKey);
    const subjectFirstSeenMs = first === undefined ? atMs : Math.min(first, atMs);
    if (first === undefined || atMs < first) this.subjects.set(subjectKey, subjectFirstSeenMs);
    const valueKey = `${subjectKey}\u0000${value}`;
    const known = this.values.has(valueKey);
    if (!known) this.values.add(valueKey);
    return { known, subjectFirstSeenMs };
  }

  get size(): number {
    return this.values.size;
  }
}

interface WindowEntry {
  count: number;
  members?: Set<string>;
  endMs: number;
}

/** Keeps windows until they are `retainSeconds` old (relative to the newest time seen). */
export class MemoryWindowCounter implements WindowCounter {
  private readonly windows = new Map<string, WindowEntry>();
  private newestMs = 0;
  private nextPruneMs = 0;

  constructor(private readonly retainSeconds = 2 * 24 * 3600) {}

  async add(
    key: string,
    windowStartMs: number,
    windowSeconds: number,
    member?: string,
  ): Promise<number> {
    return this.addSync(key, windowStartMs, windowSeconds, member);
  }

  addSync(key: string, windowStartMs: number, windowSeconds: number, member?: string): number {
    this.prune(windowStartMs);
    const id = `${key}\u0000${windowStartMs}`;
    let entry = this.windows.get(id);
    if (entry === undefined) {
      entry = { count: 0, endMs: windowStartMs + windowSeconds * 1000 };
      this.windows.set(id, entry);
    }
    if (member === undefined) return ++entry.count;
    entry.members ??= new Set();
    entry.members.add(member);
    entry.count = entry.members.size;
    return entry.count;
  }

  async totals(key: string, windowStartsMs: readonly number[]): Promise<number[]> {
    return this.totalsSync(key, windowStartsMs);
  }

  totalsSync(key: string, windowStartsMs: readonly number[]): number[] {
    return windowStartsMs.map((start) => this.windows.get(`${key}\u0000${start}`)?.count ?? 0);
  }

  get size(): number {
    return this.windows.size;
  }

  private prune(atMs: number): void {
    if (atMs > this.newestMs) this.newestMs = atMs;
    if (this.newestMs < this.nextPruneMs) return;
    this.nextPruneMs = this.newestMs + 600_000;
    const cutoff = this.newestMs - this.retainSeconds * 1000;
    for (const [id, entry] of this.windows) {
      if (entry.endMs < cutoff) this.windows.delete(id);
    }
  }
}

/** First claim per (rule, key) within the window wins. */
export class MemoryDedupStore implements DedupStore {
  private readonly until = new Map<string, number>();
  /** Size at which to prune next: doubles when pruning frees little, so claims stay O(1). */
  private pruneAt = 100_000;

  async claim(
    ruleId: string,
    dedupKey: string,
    atMs: number,
    windowSeconds: number,
  ): Promise<boolean> {
    return this.claimSync(ruleId, dedupKey, atMs, windowSeconds);
  }

  claimSync(ruleId: string, dedupKey: string, atMs: number, windowSeconds: number): boolean {
    const id = `${ruleId}\u0000${dedupKey}`;
    const expires = this.until.get(id);
    if (expires !== undefined && atMs < expires) return false;
    this.until.set(id, atMs + windowSeconds * 1000);
    if (this.until.size > this.pruneAt) this.pruneBefore(atMs);
    return true;
  }

  private pruneBefore(atMs: number): void {
    for (const [id, expires] of this.until) if (expires <= atMs) this.until.delete(id);
    this.pruneAt = Math.max(100_000, this.until.size * 2);
  }
}

interface MemoryBurst {
  first: Finding;
  untilMs: number;
  windowSeconds: number;
  count: number;
  resources: string[];
  lastEventMs: number;
  lastEventTime: string;
  members: Set<string>;
  state: 'open' | 'closing' | 'sent';
  takenAtMs: number;
}

/** Bursts in memory, with the same semantics as the DynamoDB store (unit tests). */
export class MemoryBurstStore implements BurstStore {
  private readonly bursts = new Map<string, MemoryBurst>();
  private readonly current = new Map<string, string>();

  async open(
    key: string,
    first: Finding,
    untilMs: number,
    windowSeconds: number,
    events = 1,
  ): Promise<void> {
    if (!this.bursts.has(first.findingId)) {
      this.bursts.set(first.findingId, {
        first,
        untilMs,
        windowSeconds,
        count: events,
        resources: first.resource === undefined ? [] : [first.resource],
        lastEventMs: Date.parse(first.eventTime),
        lastEventTime: first.eventTime,
        members: new Set([first.eventId]),
        state: 'open',
        takenAtMs: 0,
      });
    }
    this.current.set(key, first.findingId);
  }

  async add(key: string, member: BurstMember): Promise<BurstAdd> {
    const id = this.current.get(key);
    const burst = id === undefined ? undefined : this.bursts.get(id);
    if (burst === undefined) return 'none';
    if (burst.members.has(member.eventId)) return 'counted';
    if (burst.state !== 'open') return 'closed';
    if (Date.parse(member.eventTime) >= burst.untilMs) return 'closed';
    burst.members.add(member.eventId);
    burst.count++;
    const at = Date.parse(member.eventTime);
    if (at > burst.lastEventMs) {
      burst.lastEventMs = at;
      burst.lastEventTime = member.eventTime;
    }
    const resource = member.resource;
    if (
      resource !== undefined &&
      burst.resources.length < GROUP_RESOURCES &&
      !burst.resources.includes(resource)
    ) {
      burst.resources.push(resource);
    }
    return 'counted';
  }

  async due(beforeMs: number, limit: number): Promise<DueBurst[]> {
    return [...this.bursts.entries()]
      .filter(([, b]) => b.state !== 'sent' && b.untilMs <= beforeMs)
      .sort(([, a], [, b]) => a.untilMs - b.untilMs)
      .slice(0, limit)
      .map(([groupId, b]) => ({ groupId, untilMs: b.untilMs }));
  }

  async close(
    due: DueBurst,
    nowMs: number,
    staleMs: number,
  ): Promise<{ state: 'closed'; burst: ClosedBurst } | { state: 'busy' } | { state: 'gone' }> {
    const burst = this.bursts.get(due.groupId);
    if (burst === undefined || burst.state === 'sent') return { state: 'gone' };
    if (burst.state === 'closing' && nowMs - burst.takenAtMs < staleMs) return { state: 'busy' };
    burst.state = 'closing';
    burst.takenAtMs = nowMs;
    return {
      state: 'closed',
      burst: {
        groupId: due.groupId,
        first: burst.first,
        count: burst.count,
        resources: [...burst.resources],
        lastEventTime: burst.lastEventTime,
        windowSeconds: burst.windowSeconds,
        untilMs: burst.untilMs,
      },
    };
  }

  async forget(due: DueBurst): Promise<void> {
    const burst = this.bursts.get(due.groupId);
    if (burst !== undefined) burst.state = 'sent';
  }

  async reopen(due: DueBurst): Promise<void> {
    const burst = this.bursts.get(due.groupId);
    if (burst?.state === 'closing') burst.state = 'open';
  }
}

/** A fresh in-memory state for one replay run or one test. */
export function memoryState(): DetectionState & {
  baselines: MemoryBaselineStore;
  counters: MemoryWindowCounter;
  dedup: MemoryDedupStore;
  lastStates: MemoryLastStateStore;
} {
  return {
    baselines: new MemoryBaselineStore(),
    counters: new MemoryWindowCounter(),
    dedup: new MemoryDedupStore(),
    lastStates: new MemoryLastStateStore(),
  };
}
