/** Fault injection and a controllable clock for the rotation fakes. */
import type { Clock } from '../../../../lib/rotation/ports.js';

export type FaultKind = 'throttle' | 'server' | 'timeoutBefore' | 'timeoutAfter';

/** Fails the n-th call (1-based) of an operation, once or always. */
export class FaultPlan {
  private counts = new Map<string, number>();
  readonly trace: string[] = [];
  constructor(
    private readonly target?: { op: string; nth: number; kind: FaultKind; always?: boolean },
  ) {}

  /** Wraps an operation: the fault fires before or after `effect` as the plan says. */
  async call<T>(op: string, effect: () => Promise<T> | T): Promise<T> {
    const n = (this.counts.get(op) ?? 0) + 1;
    this.counts.set(op, n);
    this.trace.push(op);
    const hit =
      this.target &&
      this.target.op === op &&
      (this.target.always ? n >= this.target.nth : n === this.target.nth);
    if (hit && this.target && this.target.kind !== 'timeoutAfter')
      throw faultError(this.target.kind);
    const result = await effect();
    if (hit && this.target?.kind === 'timeoutAfter') throw faultError('timeoutAfter');
    return result;
  }
}

export function faultError(kind: FaultKind): Error {
  const error = new Error(`injected ${kind}`);
  error.name =
    kind === 'throttle'
      ? 'ThrottlingException'
      : kind === 'server'
        ? 'InternalServerError'
        : 'TimeoutError';
  return error;
}

export class FakeClock implements Clock {
  constructor(public time = Date.parse('2026-11-28T12:00:00Z')) {}
  now(): Date {
    return new Date(this.time);
  }
  async sleep(ms: number): Promise<void> {
    this.time += ms;
  }
  advance(seconds: number): void {
    this.time += seconds * 1000;
  }
}
