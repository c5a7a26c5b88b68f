import { MemoryBurstStore, memoryState } from '../../../lib/detection/memoryStores.js';
import { findingOf, liveRun } from './burstStreams.js';
import { loadFixtures, runCase } from './fixtureSupport.js';

/**
 * Console sign-in bursts and the success after them (issue 20) the way the world delivers
 * records: SQS redelivers a batch, CloudTrail sends a record twice or late. A failure counts
 * once whatever happens to its delivery; thresholds are configurable per rule.
 */
type Json = Record<string, unknown>;

const recordsOf = (ruleId: string, name: string): Json[] => {
  const found = loadFixtures()
    .find((file) => file.ruleId === ruleId)
    ?.cases.find((c) => c.name === name);
  if (found === undefined) throw new Error(`no fixture ${ruleId} / ${name}`);
  return found.records as Json[];
};

const burst = recordsOf(
  'signin-failure-burst',
  '5 failed sign-ins for one IAM user in 3 minutes (AWS failed ConsoleLogin shape, Panther threshold 5)',
);
const afterFailures = recordsOf(
  'signin-after-failures',
  '3 failed sign-ins then a success for the same user',
);

const alertsOf = (run: ReturnType<typeof liveRun>, ruleId: string) =>
  run.sink.alerts.map(findingOf).filter((f) => f.ruleId === ruleId);

describe('console sign-in bursts on the detect function path', () => {
  it('a redelivered batch of 4 failures does not reach the threshold of 5', async () => {
    const live = liveRun(memoryState(), new MemoryBurstStore());
    await live.process(burst.slice(0, 4));
    await live.process(burst.slice(0, 4));
    expect(alertsOf(live, 'signin-failure-burst')).toEqual([]);
    await live.process(burst.slice(4));
    expect(alertsOf(live, 'signin-failure-burst')).toHaveLength(1);
  });

  it('a burst delivered twice alerts once', async () => {
    const live = liveRun(memoryState(), new MemoryBurstStore());
    await live.process(burst);
    await live.process([...burst].reverse());
    expect(alertsOf(live, 'signin-failure-burst')).toHaveLength(1);
  });

  it('failures redelivered before the success still count once each', async () => {
    const live = liveRun(memoryState(), new MemoryBurstStore());
    const [f1, , , success] = afterFailures;
    if (f1 === undefined || success === undefined) throw new Error('fixture changed');
    await live.process([f1, f1, f1]);
    await live.process([success]);
    expect(alertsOf(live, 'signin-after-failures')).toEqual([]);
  });

  it('the success after failures alerts once when the whole stream is redelivered', async () => {
    const live = liveRun(memoryState(), new MemoryBurstStore());
    await live.process(afterFailures);
    await live.process(afterFailures);
    const found = alertsOf(live, 'signin-after-failures');
    expect(found.map((f) => f.severity)).toEqual(['high']);
  });
});

describe('configurable thresholds', () => {
  it('signin-failure-burst fires at 3 when configured so', async () => {
    const config = { thresholds: { 'signin-failure-burst': { threshold: 3 } } };
    const findings = await runCase({ name: 'x', expect: true, config, records: burst.slice(0, 3) });
    expect(findings.map((f) => f.ruleId)).toContain('signin-failure-burst');
    const unconfigured = await runCase({ name: 'x', expect: false, records: burst.slice(0, 3) });
    expect(unconfigured.map((f) => f.ruleId)).not.toContain('signin-failure-burst');
  });

  it('signin-after-failures needs more failures when configured so', async () => {
    const config = { thresholds: { 'signin-after-failures': { threshold: 4 } } };
    const findings = await runCase({ name: 'x', expect: false, config, records: afterFailures });
    expect(findings.map((f) => f.ruleId)).not.toContain('signin-after-failures');
  });
});
