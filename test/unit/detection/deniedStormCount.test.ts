import { memoryState, MemoryBurstStore } from '../../../lib/detection/memoryStores.js';
import { fixtureRecord } from './fixtureSupport.js';
import { findingOf, liveRun, pastEveryWindow, replayFindings } from './burstStreams.js';

/**
 * A storm of refused calls by one principal (issue 17, point 13): the access-denied rule alerts
 * once, when the count crosses its threshold, and every denied call of the storm is counted
 * into that burst, so its summary says how many there were, live as in replay.
 */
function storm(count: number, tag: string): Record<string, unknown>[] {
  const base = fixtureRecord(
    'accessDeniedBurst.fixtures.json',
    'ten denied calls within five minutes',
  );
  const t0 = Date.parse('2026-11-20T10:15:00Z');
  return Array.from({ length: count }, (_, i) => ({
    ...base,
    eventID: `${tag}-${String(i).padStart(5, '0')}`,
    eventTime: new Date(t0 + Math.floor((i * 60_000) / count)).toISOString(),
  }));
}

describe('a storm of access-denied errors', () => {
  it.each([[25], [400]])('alerts once, and its summary counts all %i events', async (count) => {
    // Prepare
    const records = storm(count, `storm${count}`);
    const state = memoryState();
    const live = liveRun(state, new MemoryBurstStore());
    // Act
    const processed = await live.process(records);
    const firstAlerts = live.sink.alerts.map(findingOf);
    await live.flush(pastEveryWindow(records));
    const all = live.sink.alerts.map(findingOf).filter((f) => f.ruleId === 'access-denied-burst');
    const replayed = (await replayFindings(records)).filter(
      (f) => f.ruleId === 'access-denied-burst',
    );
    // Assess
    expect(processed.counts.failed).toBe(0);
    expect(firstAlerts.filter((f) => f.ruleId === 'access-denied-burst')).toHaveLength(1);
    expect(all).toHaveLength(2);
    expect(all[1]?.group?.count).toBe(count);
    expect(all[1]?.group?.lastEventTime).toBe(records.at(-1)?.eventTime);
    expect(replayed).toHaveLength(1);
    expect(replayed[0]?.group?.count).toBe(count);
  });
});

/** A burst store whose first `open` waits until released (the crossing's alert still sending). */
class SlowOpening extends MemoryBurstStore {
  release: () => void = () => undefined;
  private readonly gate = new Promise<void>((resolve) => (this.release = resolve));
  override async open(...args: Parameters<MemoryBurstStore['open']>): Promise<void> {
    await this.gate;
    return super.open(...args);
  }
}

describe('two invocations racing on one storm', () => {
  it('retries an event past the threshold whose burst is not recorded yet, and counts it', async () => {
    // Prepare: the crossing's invocation is slow to record its burst
    const records = storm(20, 'race');
    const bursts = new SlowOpening();
    const live = liveRun(memoryState(), bursts);
    // Act: the first ten cross the threshold; meanwhile another invocation brings the rest
    const crossing = live.process(records.slice(0, 10));
    await new Promise((resolve) => setTimeout(resolve, 20));
    const early = await live.process(records.slice(10));
    bursts.release();
    await crossing;
    const retried = await live.process(records.slice(10));
    await live.flush(pastEveryWindow(records));
    // Assess: failed first (retried, never lost), then counted; one alert and one summary
    expect(early.counts.failed).toBe(10);
    expect(retried.counts.failed).toBe(0);
    const alerts = live.sink.alerts
      .map(findingOf)
      .filter((f) => f.ruleId === 'access-denied-burst');
    expect(alerts).toHaveLength(2);
    expect(alerts[1]?.group?.count).toBe(20);
  });
});
