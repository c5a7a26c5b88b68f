import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDetectionConfig } from '../../../lib/detection/config.js';
import { DetectionEngine } from '../../../lib/detection/engine.js';
import { DetectionConfigError } from '../../../lib/detection/errors.js';
import { memoryState } from '../../../lib/detection/memoryStores.js';
import { validateRecord, type CloudTrailRecord } from '../../../lib/detection/record.js';
import type { Rule } from '../../../lib/detection/types.js';
import { RULES_DIR, loadFixtures } from './fixtureSupport.js';

/** The first record of a named fixture case (real rule fixtures double as engine inputs). */
function fixtureRecord(file: string, caseName: string): CloudTrailRecord {
  const parsed = JSON.parse(readFileSync(join(RULES_DIR, file), 'utf8')) as {
    cases: { name: string; records: unknown[] }[];
  };
  const found = parsed.cases.find((c) => c.name === caseName);
  const result = validateRecord(found?.records.at(-1));
  if (!result.ok) throw new Error(result.reason);
  return result.record;
}

const stopLogging = fixtureRecord('cloudtrailStopped.fixtures.json', 'StopLogging');
const secretRead = fixtureRecord(
  'secretReadUnexpected.fixtures.json',
  'developer reads a gatewarden secret',
);

describe('DetectionEngine', () => {
  it('alerts once for the same event seen twice (dedup window)', async () => {
    // Prepare
    const engine = new DetectionEngine({ state: memoryState() });
    // Act
    const first = await engine.evaluate(stopLogging);
    const second = await engine.evaluate(stopLogging);
    // Assess
    expect(first.findings.map((f) => f.ruleId)).toEqual(['cloudtrail-stopped']);
    expect(second.findings).toEqual([]);
    expect(second.dropped).toEqual([{ ruleId: 'cloudtrail-stopped', reason: 'duplicate' }]);
  });

  it('alerts again once the dedup window has passed', async () => {
    const engine = new DetectionEngine({ state: memoryState() });
    await engine.evaluate(stopLogging);
    const later = { ...stopLogging, eventID: 'later', eventTime: '2026-11-20T16:00:00Z' };
    expect((await engine.evaluate(later)).findings).toHaveLength(1);
  });

  it('builds a finding with the documented fields and no request values', async () => {
    const engine = new DetectionEngine({ state: memoryState() });
    const [finding] = (await engine.evaluate(secretRead)).findings;
    expect(finding).toMatchObject({
      schemaVersion: 1,
      ruleId: 'secret-read-by-unexpected-principal',
      severity: 'high',
      tactic: 'Credential Access',
      eventId: secretRead.eventID,
      eventName: 'GetSecretValue',
      principal: 'arn:aws:sts::111122223333:assumed-role/developer/bob@example.com',
      principalType: 'AssumedRole',
      sourceIp: '203.0.113.24',
      accountId: '111122223333',
    });
    expect(finding?.findingId).toMatch(/^[0-9a-f]{32}$/);
    expect(JSON.stringify(finding)).not.toContain('AWSCURRENT');
  });

  it.each([
    ['rule id', { ruleId: 'cloudtrail-*' }],
    ['principal name', { principal: 'developer' }],
    ['principal ARN pattern', { principal: 'arn:aws:sts::*:assumed-role/developer/*' }],
    ['action', { action: 'cloudtrail.amazonaws.com:StopLogging' }],
    ['resource', { resource: '*org-management-trail' }],
  ])('suppresses by %s until the suppression expires', async (_name, match) => {
    const config = parseDetectionConfig({
      suppressions: [
        { ...match, expires: '2026-11-21T00:00:00Z', reason: 'planned trail migration' },
      ],
    });
    const engine = new DetectionEngine({ config, state: memoryState() });
    const during = await engine.evaluate(stopLogging);
    expect(during.findings).toEqual([]);
    expect(during.suppressed).toBe(1);
    const after = await engine.evaluate({
      ...stopLogging,
      eventID: 'x',
      eventTime: '2026-11-22T00:00:00Z',
    });
    expect(after.findings).toHaveLength(1);
  });

  it('marks dry-run rules and skips disabled ones', async () => {
    const config = parseDetectionConfig({
      dryRunRules: ['cloudtrail-stopped'],
      disabledRules: ['secret-read-by-unexpected-principal'],
    });
    const engine = new DetectionEngine({ config, state: memoryState() });
    expect((await engine.evaluate(stopLogging)).findings[0]?.dryRun).toBe(true);
    expect((await engine.evaluate(secretRead)).findings).toEqual([]);
  });

  it('learns without reporting in learn-only mode', async () => {
    const engine = new DetectionEngine({ state: memoryState() });
    expect((await engine.evaluate(stopLogging, { learnOnly: true })).findings).toEqual([]);
  });

  it('isolates a rule that throws and still runs the others', async () => {
    const broken: Rule = {
      id: 'broken',
      title: 'Broken rule',
      severity: 'low',
      mitre: { tactic: 'x', technique: 'T0000' },
      description: 'throws',
      runbook: 'none',
      dedup: { key: () => 'k', windowSeconds: 60 },
      evaluate: () => {
        // A rule's error may quote the record it choked on: only its class is reported.
        throw new TypeError('boom canary-rule-error');
      },
    };
    const rules = [broken, { ...broken, id: 'fine', evaluate: () => ({ summary: 'ok' }) }];
    const engine = new DetectionEngine({ state: memoryState(), rules });
    const result = await engine.evaluate(stopLogging);
    expect(result.ruleErrors).toEqual([{ ruleId: 'broken', message: 'TypeError' }]);
    expect(result.findings.map((f) => f.ruleId)).toEqual(['fine']);
  });

  it('runs only indexed rules that can match a record', () => {
    const engine = new DetectionEngine({ state: memoryState() });
    const ids = engine.candidates(stopLogging).map((rule) => rule.id);
    expect(ids).toContain('cloudtrail-stopped');
    expect(ids).not.toContain('gateway-auth-weakened');
    expect(ids).not.toContain('secret-read-by-unexpected-principal');
    // Rules without an event declaration see everything.
    expect(ids).toContain('root-activity');
  });

  it('learns gateway roles from trust policies seen in the stream', async () => {
    const engine = new DetectionEngine({ state: memoryState() });
    const createRole = fixtureRecord(
      'iamRoleExternalTrust.fixtures.json',
      'gateway role trusted by AgentCore',
    );
    await engine.evaluate(createRole);
    expect(
      engine
        .contextOf(createRole)
        .learnedGatewayRoles?.has('AgentCoreGatewayExecutionRole-billing'),
    ).toBe(true);
  });
});

describe('sync and async drivers', () => {
  it('give the same findings over every fixture record (replay and Lambda agree)', async () => {
    // Prepare: every fixture record, in file order, through two engines with fresh state.
    const records = loadFixtures().flatMap((file) => file.cases.flatMap((c) => c.records));
    const asyncEngine = new DetectionEngine({ state: memoryState() });
    const syncEngine = new DetectionEngine({ state: memoryState() });
    expect(syncEngine.canEvaluateSync).toBe(true);
    let compared = 0;
    for (const raw of records) {
      const validated = validateRecord(raw);
      if (!validated.ok) throw new Error(validated.reason);
      // Act
      const viaAsync = await asyncEngine.evaluate(validated.record);
      const viaSync = syncEngine.evaluateSync(validated.record);
      // Assess
      expect(viaSync).toEqual(viaAsync);
      compared += viaSync.findings.length;
    }
    expect(compared).toBeGreaterThan(50);
  });

  it('refuses evaluateSync on asynchronous state', () => {
    const state = memoryState();
    const asyncOnly = {
      baselines: { observe: state.baselines.observe.bind(state.baselines) },
      counters: {
        add: state.counters.add.bind(state.counters),
        totals: state.counters.totals.bind(state.counters),
      },
      dedup: { claim: state.dedup.claim.bind(state.dedup) },
    };
    const engine = new DetectionEngine({ state: asyncOnly });
    expect(engine.canEvaluateSync).toBe(false);
    expect(() => engine.evaluateSync(stopLogging)).toThrow('synchronous');
  });
});

describe('detection config', () => {
  it('has working defaults', () => {
    const config = parseDetectionConfig(undefined);
    expect(config.rotatorPrincipals).toEqual([]);
    expect(config.channels).toEqual({ sns: 'low', eventBridge: 'info', webhook: 'high' });
    expect(config.remediation.enabled).toBe(false);
    expect(config.baseline.learningDays).toBe(7);
  });

  it.each([
    [{ trustedAccounts: ['123'] }, 'trustedAccounts.0'],
    [{ suppressions: [{ expires: '2026-12-01T00:00:00Z', reason: 'x' }] }, 'at least one of'],
    [{ suppressions: [{ ruleId: 'x', reason: 'no expiry' }] }, 'suppressions.0.expires'],
    [{ channels: { sns: 'loud' } }, 'channels.sns'],
    [{ unknownField: true }, 'unknownField'],
  ])('rejects %j with a clear message', (input, fragment) => {
    expect(() => parseDetectionConfig(input)).toThrow(DetectionConfigError);
    expect(() => parseDetectionConfig(input)).toThrow(fragment);
  });
});
