import { MemoryBurstStore, memoryState } from '../../../lib/detection/memoryStores.js';
import type { Finding } from '../../../lib/detection/types.js';
import { findingOf, liveRun, replayFindings } from './burstStreams.js';
import { loadFixtures } from './fixtureSupport.js';

/**
 * The rules added for issue 19 (the AgentCore operations routed by the model-coverage work)
 * find the same thing on the detect function's path (EventBridge envelopes through
 * processBatch) as in replay over log files: same rule, severity, summary and resource.
 */
const RULES = new Set([
  'payment-credential-changed',
  'consent-portal-changed',
  'workload-identity-changed',
  'agent-runtime-changed',
  'harness-gateway-access',
  'token-vault-read-unexpected',
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
    const liveFindings = live.sink.alerts.map(findingOf).filter((f) => f.ruleId === ruleId);
    const replayed = (await replayFindings(records)).filter((f) => f.ruleId === ruleId);
    expect(liveFindings.map(view)).toEqual(replayed.map(view));
    expect(liveFindings.length > 0).toBe(expected);
  });
});
