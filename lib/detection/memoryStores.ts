import type {
  BaselineDimension,
  BaselineObservation,
  BaselineStore,
  DedupStore,
  DetectionState,
  WindowCounter,
} from './ports.js';

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

/** A fresh in-memory state for one replay run or one test. */
export function memoryState(): DetectionState & {
  baselines: MemoryBaselineStore;
  counters: MemoryWindowCounter;
  dedup: MemoryDedupStore;
} {
  return {
    baselines: new MemoryBaselineStore(),
    counters: new MemoryWindowCounter(),
    dedup: new MemoryDedupStore(),
  };
}
