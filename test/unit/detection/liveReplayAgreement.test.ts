import { MemoryBurstStore, memoryState } from '../../../lib/detection/memoryStores.js';
import type { Finding } from '../../../lib/detection/types.js';
import { findingOf, liveRun, pastEveryWindow, replayFindings } from './burstStreams.js';
import { loadFixtures } from './fixtureSupport.js';

/**
 * The rules added for issue 19 (the AgentCore operations routed by the model-coverage work)
 * and issue 20 (console sign-in, root) find the same thing on the detect function's path
 * (EventBridge envelopes through processBatch, then the scheduled burst flush) as in replay over
 * log files: same rule, severity, summary and resource.
 */
const RULES = new Set([
  'payment-credential-changed',
  'consent-portal-changed',
  'workload-identity-changed',
  'agent-runtime-changed',
  'harness-gateway-access',
  'token-vault-read-unexpected',
  // Issue 20, console sign-in and root: bursts, sequences (duplicated and out-of-order
  // failures included) and console-made root calls.
  'signin-failure-burst',
  'signin-failure-burst-ip',
  'signin-after-failures',
  'console-federation-signin',
  'root-activity',
]);

const cases = loadFixtures()
  .filter((file) => RULES.has(file.ruleId))
  .flatMap((file) =>
    file.cases
      .filter((c) => c.config === undefined)
      .map((c) => [file.ruleId, c.name, c.expect, c.records as Record<string, unknown>[]] as const),
  );

const view = (f: Finding) => ({
  ruleId: f.ruleId,
  severity: f.severity,
  summary: f.summary,
  resource: f.resource,
});

describe('live and replay agree on the AgentCore coverage rules', () => {
  it.each(cases)('%s: %s', async (ruleId, _name, expected, records) => {
    const live = liveRun(memoryState(), new MemoryBurstStore());
    await live.process(records);
    // A burst's first alert goes out at once; the scheduled flush sends what replay folds into
    // it (count, resources), linked by firstFindingId: compare that.
    const first = live.sink.alerts.map(findingOf).filter((f) => f.ruleId === ruleId);
    await live.flush(pastEveryWindow(records));
    const summaries = live.sink.alerts
      .map(findingOf)
      .filter((f) => f.group?.firstFindingId !== undefined);
    const liveFindings = first
      .filter((f) => f.group?.firstFindingId === undefined)
      .map((f) => summaries.find((s) => s.group?.firstFindingId === f.findingId) ?? f);
    const replayed = (await replayFindings(records)).filter((f) => f.ruleId === ruleId);
    expect(liveFindings.map(view)).toEqual(replayed.map(view));
    expect(liveFindings.length > 0).toBe(expected);
  });
});
