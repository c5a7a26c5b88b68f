import { MemoryAlertSink } from '../../../lib/alerts/alert.js';
import { parseDetectionConfig } from '../../../lib/detection/config.js';
import { DetectionEngine } from '../../../lib/detection/engine.js';
import { memoryState } from '../../../lib/detection/memoryStores.js';
import {
  MemoryDeadLetterQueue,
  processBatch,
  type BatchItem,
  type ProcessDeps,
} from '../../../lib/detection/process.js';
import { allRules } from '../../../lib/detection/registry.js';
import { sourceProblem } from '../../../lib/detection/sources.js';
import { envelope } from './deployedFixtures.js';
import { loadFixtures } from './fixtureSupport.js';

/**
 * Forged events (issue 17, point 10): anyone with events:PutEvents on a bus (any principal of
 * the organization, with the organization option) can put an event whose `detail` is a real
 * CloudTrail record, but not with an `aws.` source. detect evaluates only `aws.` sources it
 * routes; the rest is dead-lettered with a reason, never evaluated and never dropped.
 */

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

function setup() {
  const config = parseDetectionConfig({});
  const state = memoryState();
  const sink = new MemoryAlertSink();
  const deadLetters = new MemoryDeadLetterQueue();
  const deps: ProcessDeps = {
    engine: new DetectionEngine({ config, state, rules: allRules }),
    rules: allRules,
    dedup: state.dedup,
    remediation: config.remediation,
    sinks: [sink],
    deadLetters,
    logger: silent,
  };
  return { deps, sink, deadLetters };
}

/** The positive cases of the three rules whose patterns named no source. */
const SPOOFED = loadFixtures()
  .filter((f) =>
    [
      'rootActivity.fixtures.json',
      'accessDeniedBurst.fixtures.json',
      'iamPassGatewayRole.fixtures.json',
    ].includes(f.file),
  )
  .flatMap((f) =>
    f.cases.filter((c) => c.expect).map((c) => [f.ruleId, c.name, c.records] as const),
  );

function awsSourceOf(record: unknown): string {
  const eventSource = String((record as { eventSource?: unknown }).eventSource ?? '');
  return `aws.${eventSource.replace(/\.amazonaws\.com$/, '')}`;
}

function detailTypeOf(record: unknown): string {
  return (record as { eventName?: unknown }).eventName === 'ConsoleLogin'
    ? 'AWS Console Sign In via CloudTrail'
    : 'AWS API Call via CloudTrail';
}

function items(records: readonly unknown[], source: (record: unknown) => string): BatchItem[] {
  return records.map((record, i) => ({
    itemId: `m-${i}`,
    body: JSON.stringify(
      envelope(record, {
        id: `ev-${i}`,
        source: source(record),
        'detail-type': detailTypeOf(record),
      }),
    ),
  }));
}

describe('forged events', () => {
  expect(SPOOFED.length).toBeGreaterThanOrEqual(3);

  it.each(SPOOFED)(
    '%s: a real record (%s) put with source custom.forged produces no finding and is dead-lettered',
    async (_ruleId, _name, records) => {
      // Prepare
      const { deps, sink, deadLetters } = setup();
      // Act
      const result = await processBatch(
        items(records, () => 'custom.forged'),
        deps,
      );
      // Assess
      expect(sink.alerts).toEqual([]);
      expect(result.counts).toMatchObject({ processed: 0, 'dead-lettered': records.length });
      expect(deadLetters.letters).toHaveLength(records.length);
      for (const letter of deadLetters.letters) {
        expect(letter.reason).toMatch(/^source: not an AWS service source/);
        expect(letter.reason).not.toContain('custom.forged');
        expect(letter.source).toBe('detect');
      }
    },
  );

  it.each(SPOOFED)(
    '%s: the same record (%s) from its AWS service alerts (the refusal is the source alone)',
    async (ruleId, _name, records) => {
      const { deps, sink, deadLetters } = setup();
      await processBatch(items(records, awsSourceOf), deps);
      expect(deadLetters.letters).toEqual([]);
      expect(sink.alerts.map((a) => a.attributes?.ruleId)).toContain(ruleId);
    },
  );

  it.each([
    ['custom.forged', false],
    ['aws', false],
    ['AWS.iam', false],
    [' aws.iam', false],
    ['awsiam', false],
    ['aws.iam', true],
    ['aws.bedrock-agentcore', true],
    ['aws.cloudwatch', true],
  ])('source %j is accepted: %s', (source, accepted) => {
    expect(sourceProblem(source) === undefined).toBe(accepted);
  });

  it('refuses an aws. source no rule routes when the routes name their sources', () => {
    expect(sourceProblem('aws.ec2', ['aws.iam'])).toMatch(/no detect rule routes/);
    expect(sourceProblem('aws.iam', ['aws.iam'])).toBeUndefined();
  });
});
