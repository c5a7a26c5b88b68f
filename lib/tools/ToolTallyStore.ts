/**
 * Tallies of (caller, tool) pairs in growable typed arrays: counts, first and last seen and
 * target ids of millions of calls without one object per pair. A report over a large trail
 * holds hundreds of thousands of pairs; as objects they were most of the heap the garbage
 * collector walked on every major collection. Callers and tools are small integer ids the
 * collector hands out; strings live once, in its tables.
 */
import { eventTimeCode, eventTimeText, NO_TIME, TEXT_TIME } from './eventTimeCode.js';
import type { Outcome } from './invokeRecord.js';

/** At most this many target ids are remembered per caller and tool. */
export const MAX_TARGET_IDS = 5;

const INITIAL_CAPACITY = 1024;
const EMPTY = -1;

export class ToolTallyStore {
  private capacity = INITIAL_CAPACITY;
  private count = 0;
  private callerOf = new Int32Array(INITIAL_CAPACITY);
  private toolOf = new Int32Array(INITIAL_CAPACITY);
  private calls = new Float64Array(INITIAL_CAPACITY);
  private ok = new Float64Array(INITIAL_CAPACITY);
  private refused = new Float64Array(INITIAL_CAPACITY);
  private policyDenied = new Float64Array(INITIAL_CAPACITY);
  private failed = new Float64Array(INITIAL_CAPACITY);
  /** `eventTimeCode`s; `TEXT_TIME` means the text is in `firstTexts`/`lastTexts`. */
  private first = new Float64Array(INITIAL_CAPACITY);
  private last = new Float64Array(INITIAL_CAPACITY);
  /** The first target id + 1 (0: none); later ones in `moreTargets`. */
  private target = new Int32Array(INITIAL_CAPACITY);
  private readonly firstTexts = new Map<number, string>();
  private readonly lastTexts = new Map<number, string>();
  private readonly moreTargets = new Map<number, number[]>();
  /** Time texts made for reports: many tallies share a first or last time. */
  private readonly timeTexts = new Map<number, string>();
  /**
   * First and last seen texts by tally, once a report reads them: the renderers read each row
   * several times (JSON, Markdown, HTML), a Map lookup by time code each time was most of it.
   * Dropped when a call is added.
   */
  private firstShown: (string | undefined)[] = [];
  private lastShown: (string | undefined)[] = [];
  /** Open addressing, linear probing: a slot holds a tally index or EMPTY. */
  private slots = new Int32Array(INITIAL_CAPACITY * 2).fill(EMPTY);

  /** Number of tallies. */
  get size(): number {
    return this.count;
  }

  /** The index of the (caller, tool) tally, made empty when new. */
  indexOf(caller: number, tool: number): number {
    const mask = this.slots.length - 1;
    let slot = hash(caller, tool) & mask;
    for (;;) {
      const index = this.slots[slot] as number;
      if (index === EMPTY) break;
      if (this.callerOf[index] === caller && this.toolOf[index] === tool) return index;
      slot = (slot + 1) & mask;
    }
    if (this.count === this.capacity) {
      this.grow();
      return this.indexOf(caller, tool);
    }
    const index = this.count++;
    this.slots[slot] = index;
    this.callerOf[index] = caller;
    this.toolOf[index] = tool;
    return index;
  }

  /** Counts one call of tally `index`. */
  add(index: number, outcome: Outcome, time: string, targetId: number | undefined): void {
    if (this.firstShown.length > 0) {
      this.firstShown = [];
      this.lastShown = [];
    }
    this.calls[index] = (this.calls[index] as number) + 1;
    const counts =
      outcome === 'ok'
        ? this.ok
        : outcome === 'refused'
          ? this.refused
          : outcome === 'policyDenied'
            ? this.policyDenied
            : this.failed;
    counts[index] = (counts[index] as number) + 1;
    const code = eventTimeCode(time);
    if (code !== NO_TIME) {
      this.seen(this.first, this.firstTexts, index, code, time, -1);
      this.seen(this.last, this.lastTexts, index, code, time, 1);
    }
    if (targetId !== undefined) this.addTarget(index, targetId);
  }

  /** The caller id of tally `index` (indexes run from 0 in the order tallies were made). */
  callerAt(index: number): number {
    return this.callerOf[index] as number;
  }

  /** The tool id of tally `index`. */
  toolAt(index: number): number {
    return this.toolOf[index] as number;
  }

  callsAt(index: number): number {
    return this.calls[index] as number;
  }

  okAt(index: number): number {
    return this.ok[index] as number;
  }

  refusedAt(index: number): number {
    return this.refused[index] as number;
  }

  policyDeniedAt(index: number): number {
    return this.policyDenied[index] as number;
  }

  failedAt(index: number): number {
    return this.failed[index] as number;
  }

  /** The earliest time seen, as it was read ('' when no call had a time). */
  firstSeenAt(index: number): string {
    if (this.firstShown.length === 0)
      this.firstShown = new Array<undefined>(this.count).fill(undefined);
    return (this.firstShown[index] ??= this.timeText(this.first, this.firstTexts, index));
  }

  /** The latest time seen, as it was read ('' when no call had a time). */
  lastSeenAt(index: number): string {
    if (this.lastShown.length === 0)
      this.lastShown = new Array<undefined>(this.count).fill(undefined);
    return (this.lastShown[index] ??= this.timeText(this.last, this.lastTexts, index));
  }

  /** Target ids in the order first seen. */
  targetIdsAt(index: number): readonly number[] {
    const first = this.target[index] as number;
    if (first === 0) return [];
    const more = this.moreTargets.get(index);
    return more === undefined ? [first - 1] : [first - 1, ...more];
  }

  /**
   * Keeps the earlier (`direction` -1) or later (1) of the known time and `time`, as the
   * texts compare: codes compare as their texts do, and any other text is compared as text.
   */
  private seen(
    codes: Float64Array,
    texts: Map<number, string>,
    index: number,
    code: number,
    time: string,
    direction: -1 | 1,
  ): void {
    const known = codes[index] as number;
    if (known === NO_TIME) {
      codes[index] = code;
      if (code === TEXT_TIME) texts.set(index, time);
      return;
    }
    if (known !== TEXT_TIME && code !== TEXT_TIME) {
      if (direction < 0 ? code < known : code > known) codes[index] = code;
      return;
    }
    const knownText = this.timeText(codes, texts, index);
    if (direction < 0 ? time < knownText : time > knownText) {
      codes[index] = code;
      if (code === TEXT_TIME) texts.set(index, time);
      else texts.delete(index);
    }
  }

  private timeText(codes: Float64Array, texts: Map<number, string>, index: number): string {
    const code = codes[index] as number;
    if (code === NO_TIME) return '';
    if (code === TEXT_TIME) return texts.get(index) ?? '';
    let text = this.timeTexts.get(code);
    if (text === undefined) {
      text = eventTimeText(code);
      this.timeTexts.set(code, text);
    }
    return text;
  }

  private addTarget(index: number, id: number): void {
    const first = this.target[index] as number;
    if (first === id + 1) return;
    if (first === 0) {
      this.target[index] = id + 1;
      return;
    }
    const more = this.moreTargets.get(index);
    if (more === undefined) this.moreTargets.set(index, [id]);
    else if (more.length < MAX_TARGET_IDS - 1 && !more.includes(id)) more.push(id);
  }

  private grow(): void {
    const capacity = this.capacity * 2;
    this.callerOf = grown(this.callerOf, new Int32Array(capacity));
    this.toolOf = grown(this.toolOf, new Int32Array(capacity));
    this.calls = grown(this.calls, new Float64Array(capacity));
    this.ok = grown(this.ok, new Float64Array(capacity));
    this.refused = grown(this.refused, new Float64Array(capacity));
    this.policyDenied = grown(this.policyDenied, new Float64Array(capacity));
    this.failed = grown(this.failed, new Float64Array(capacity));
    this.first = grown(this.first, new Float64Array(capacity));
    this.last = grown(this.last, new Float64Array(capacity));
    this.target = grown(this.target, new Int32Array(capacity));
    this.capacity = capacity;
    // Twice as many slots as tallies: probes stay short.
    const slots = new Int32Array(capacity * 2).fill(EMPTY);
    const mask = slots.length - 1;
    for (let index = 0; index < this.count; index++) {
      let slot = hash(this.callerOf[index] as number, this.toolOf[index] as number) & mask;
      while (slots[slot] !== EMPTY) slot = (slot + 1) & mask;
      slots[slot] = index;
    }
    this.slots = slots;
  }
}

function grown<T extends Int32Array | Float64Array>(from: T, to: T): T {
  to.set(from);
  return to;
}

function hash(caller: number, tool: number): number {
  const h = Math.imul(caller, 0x9e3779b1) ^ Math.imul(tool + 0x7f4a7c15, 0x85ebca77);
  return (h ^ (h >>> 15)) >>> 0;
}

/**
 * One tally as a report reads it (`ToolTally`): a store and an index, each figure read when
 * asked. A report over hundreds of thousands of tallies makes one small object per tally, and
 * the times become text only for the rows that show them.
 */
export class StoredTally {
  constructor(
    private readonly store: ToolTallyStore,
    private readonly index: number,
    readonly targetIds: readonly string[],
  ) {}

  get calls(): number {
    return this.store.callsAt(this.index);
  }

  get ok(): number {
    return this.store.okAt(this.index);
  }

  get refused(): number {
    return this.store.refusedAt(this.index);
  }

  get policyDenied(): number {
    return this.store.policyDeniedAt(this.index);
  }

  get failed(): number {
    return this.store.failedAt(this.index);
  }

  get firstSeen(): string {
    return this.store.firstSeenAt(this.index);
  }

  get lastSeen(): string {
    return this.store.lastSeenAt(this.index);
  }
}
