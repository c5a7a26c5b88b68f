import type { Context } from 'aws-lambda';
import type { Alert, AlertSink } from '../../../lib/alerts/alert.js';
import { MemoryAlertSink } from '../../../lib/alerts/alert.js';
import { BURST_GRACE_SECONDS, flushBursts } from '../../../lib/detection/bursts.js';
import { parseDetectionConfig } from '../../../lib/detection/config.js';
import { DetectionEngine } from '../../../lib/detection/engine.js';
import { MemoryBurstStore, memoryState } from '../../../lib/detection/memoryStores.js';
import { MemoryDeadLetterQueue } from '../../../lib/detection/process.js';
import { makeHandler } from '../../../functions/detect.js';
import {
  deleteBurst,
  findingOf,
  liveRun,
  mixedStream,
  pastEveryWindow,
  replayFindings,
  sortedTallies,
  tallyOf,
} from './burstStreams.js';

/** The live function: a burst's first finding alerts at once, a follow-up carries the final count. */

const DELETE_RULE = 'secret-deleted-or-policy-changed';
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

function fresh() {
  const bursts = new MemoryBurstStore();
  return { bursts, live: liveRun(memoryState(), bursts) };
}

describe('burst summaries in the live function', () => {
  it('alerts on the first finding at once and sends the final count once the window and grace have passed', async () => {
    // Prepare
    const { live } = fresh();
    const burst = deleteBurst(17, '2026-11-20T10:15:00.000Z', 'b');
    const windowEnd = Date.parse('2026-11-20T10:20:00.000Z');
    // Act
    const processed = await live.process(burst);
    const firstAlerts = [...live.sink.alerts];
    const early = await live.flush(windowEnd + BURST_GRACE_SECONDS * 1000 - 1);
    const onTime = await live.flush(windowEnd + BURST_GRACE_SECONDS * 1000);
    const again = await live.flush(windowEnd + 2 * BURST_GRACE_SECONDS * 1000);
    // Assess
    expect(processed.counts.grouped).toBe(16);
    expect(firstAlerts.map((a) => findingOf(a).eventId)).toEqual(['b-delete-000']);
    expect(early.summaries).toBe(0);
    expect(onTime.summaries).toBe(1);
    expect(again.summaries).toBe(0);
    const summary = findingOf(live.sink.alerts[1] as Alert);
    expect(summary.group).toMatchObject({
      count: 17,
      lastEventTime: '2026-11-20T10:15:00.800Z',
      firstFindingId: findingOf(firstAlerts[0] as Alert).findingId,
    });
    expect(summary.group?.resources).toHaveLength(5);
    expect(summary.findingId).not.toBe(findingOf(firstAlerts[0] as Alert).findingId);
    expect(live.sink.alerts[1]?.subject).toContain('burst: 17 within 300 s');
  });

  it('agrees with replay on every burst of a mixed stream (counts, resources, last event)', async () => {
    // Prepare
    const { live } = fresh();
    const stream = mixedStream();
    // Act
    await live.process(stream);
    const firstAlerts = live.sink.alerts.length;
    const flushed = await live.flush(pastEveryWindow(stream));
    const replayed = await replayFindings(stream);
    // Assess
    const summaries = live.sink.alerts.slice(firstAlerts).map(findingOf);
    expect(flushed.summaries).toBe(summaries.length);
    expect(sortedTallies(summaries)).toEqual(sortedTallies(replayed));
    expect(sortedTallies(replayed).map((t) => [t.ruleId, t.count])).toEqual(
      expect.arrayContaining([
        [DELETE_RULE, 17],
        [DELETE_RULE, 7],
        ['gateway-modified', 10],
      ]),
    );
    // Same text too: the summary is replay's finding with its own id.
    const replayedDelete = replayed.find((f) => f.group?.count === 17);
    const liveDelete = summaries.find((f) => f.group?.count === 17);
    expect(liveDelete?.summary).toBe(replayedDelete?.summary);
    // A burst of one says everything in its first alert.
    expect(flushed.single).toBeGreaterThan(0);
    expect(summaries.some((f) => f.eventId === 'lone-update-0')).toBe(false);
  });

  it('counts a retried event once', async () => {
    const { live } = fresh();
    const burst = deleteBurst(5, '2026-11-20T10:15:00.000Z', 'r');
    await live.process(burst);
    await live.process(burst.slice(2, 4));
    await live.flush(pastEveryWindow(burst));
    expect(findingOf(live.sink.alerts.at(-1) as Alert).group?.count).toBe(5);
  });

  it('alerts on its own a finding that arrives after its burst was summarised (late, never lost)', async () => {
    // Prepare
    const { live } = fresh();
    const burst = deleteBurst(6, '2026-11-20T10:15:00.000Z', 'late');
    const [late] = burst.splice(3, 1);
    await live.process(burst);
    await live.flush(pastEveryWindow(burst));
    const before = live.sink.alerts.length;
    // Act: CloudTrail delivered one call of the burst an hour late
    const result = await live.process([late as Record<string, unknown>]);
    // Assess
    expect(result.counts.alert).toBe(1);
    expect(result.counts.grouped).toBe(0);
    expect(live.sink.alerts.slice(before).map((a) => findingOf(a).eventId)).toEqual([
      'late-delete-003',
    ]);
    expect(findingOf(live.sink.alerts[before - 1] as Alert).group?.count).toBe(5);
  });

  it('retries a summary the channels refused on the next flush', async () => {
    // Prepare
    const { bursts, live } = fresh();
    const burst = deleteBurst(4, '2026-11-20T10:15:00.000Z', 'retry');
    await live.process(burst);
    const down: AlertSink = {
      name: 'down',
      publish: () => Promise.reject(new Error('SNS unavailable')),
    };
    const at = pastEveryWindow(burst);
    // Act
    const failed = await flushBursts({ bursts, sinks: [down], logger: silent, now: () => at });
    const retried = await live.flush(at + 300_000);
    // Assess
    expect(failed).toMatchObject({ summaries: 0, failed: 1 });
    expect(retried.summaries).toBe(1);
    expect(findingOf(live.sink.alerts.at(-1) as Alert).group?.count).toBe(4);
  });

  it('sends nothing for a rule in dry-run, first finding or summary', async () => {
    const config = parseDetectionConfig({ dryRunRules: [DELETE_RULE] });
    const bursts = new MemoryBurstStore();
    const sink = new MemoryAlertSink();
    const handler = makeHandler({
      engine: new DetectionEngine({ config, state: memoryState() }),
      remediation: config.remediation,
      sinks: [sink],
      deadLetters: new MemoryDeadLetterQueue(),
      bursts,
      logger: silent,
      now: () => Date.parse('2026-11-21T00:00:00Z'),
    });
    const burst = deleteBurst(5, '2026-11-20T10:15:00.000Z', 'dry');
    for (const record of burst) {
      await handler(
        {
          'detail-type': 'AWS API Call via CloudTrail',
          source: 'aws.secretsmanager',
          detail: record,
        } as never,
        {} as Context,
      );
    }
    const flushed = await handler({ flushBursts: true }, {} as Context);
    expect(sink.alerts.filter((a) => a.attributes?.ruleId === DELETE_RULE)).toHaveLength(0);
    expect(flushed).toEqual({ flushed: { summaries: 0, single: 0, busy: 0, failed: 0 } });
  });

  it('the scheduled {"flushBursts": true} invocation sends the summaries', async () => {
    // Prepare
    const config = parseDetectionConfig({});
    const bursts = new MemoryBurstStore();
    const sink = new MemoryAlertSink();
    const burst = deleteBurst(3, '2026-11-20T10:15:00.000Z', 'sched');
    const handler = makeHandler({
      engine: new DetectionEngine({ config, state: memoryState() }),
      remediation: config.remediation,
      sinks: [sink],
      deadLetters: new MemoryDeadLetterQueue(),
      bursts,
      logger: silent,
      now: () => pastEveryWindow(burst),
    });
    for (const record of burst) {
      await handler(
        {
          'detail-type': 'AWS API Call via CloudTrail',
          source: 'aws.secretsmanager',
          detail: record,
        } as never,
        {} as Context,
      );
    }
    // Act
    const result = await handler({ flushBursts: true }, {} as Context);
    // Assess
    expect(result).toEqual({ flushed: { summaries: 1, single: 0, busy: 0, failed: 0 } });
    expect(tallyOf(findingOf(sink.alerts.at(-1) as Alert))).toMatchObject({
      ruleId: DELETE_RULE,
      count: 3,
      firstEventId: 'sched-delete-000',
    });
  });
});
