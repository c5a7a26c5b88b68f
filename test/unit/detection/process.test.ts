import { MemoryAlertSink, type Alert, type AlertSink } from '../../../lib/alerts/alert.js';
import { parseDetectionConfig, type DetectionConfigInput } from '../../../lib/detection/config.js';
import { DetectionEngine } from '../../../lib/detection/engine.js';
import { memoryState } from '../../../lib/detection/memoryStores.js';
import {
  MemoryDeadLetterQueue,
  processBatch,
  type BatchItem,
  type ProcessDeps,
  type ReleasableDedupStore,
} from '../../../lib/detection/process.js';
import type { RotationTrigger } from '../../../lib/detection/remediation.js';
import { allRules } from '../../../lib/detection/registry.js';
import {
  GATEWAY_SECRET_ARN,
  envelope,
  secretReadRecord,
  updateGatewayRecord,
} from './deployedFixtures.js';

class CapturingLogger {
  readonly lines: string[] = [];
  info = (message: string, attributes?: Record<string, unknown>) => this.push(message, attributes);
  warn = (message: string, attributes?: Record<string, unknown>) => this.push(message, attributes);
  error = (message: string, attributes?: Record<string, unknown>) => this.push(message, attributes);
  private push(message: string, attributes?: Record<string, unknown>): void {
    this.lines.push(`${message} ${JSON.stringify(attributes ?? {})}`);
  }
}

/** A sink that fails until told otherwise (a channel outage). */
class FlakySink implements AlertSink {
  readonly name = 'flaky';
  readonly alerts: Alert[] = [];
  down = true;
  async publish(alert: Alert): Promise<void> {
    if (this.down) throw new Error('503 Service Unavailable');
    this.alerts.push(alert);
  }
}

/** In-memory dedup that can give a claim back, like the DynamoDB store. */
class ReleasableDedup implements ReleasableDedupStore {
  private readonly until = new Map<string, number>();
  async claim(ruleId: string, key: string, atMs: number, windowSeconds: number): Promise<boolean> {
    const id = `${ruleId}|${key}`;
    if ((this.until.get(id) ?? -Infinity) > atMs) return false;
    this.until.set(id, atMs + windowSeconds * 1000);
    return true;
  }
  async release(ruleId: string, key: string): Promise<void> {
    this.until.delete(`${ruleId}|${key}`);
  }
}

class FakeRotation implements RotationTrigger {
  readonly rotated: string[] = [];
  async rotate(secretId: string): Promise<{ versionId?: string }> {
    this.rotated.push(secretId);
    return { versionId: 'v-new' };
  }
}

function setup(configInput: DetectionConfigInput = {}, sinks?: AlertSink[]) {
  const config = parseDetectionConfig(configInput);
  const state = { ...memoryState(), dedup: new ReleasableDedup() };
  const sink = new MemoryAlertSink();
  const deadLetters = new MemoryDeadLetterQueue();
  const logger = new CapturingLogger();
  const rotation = new FakeRotation();
  const deps: ProcessDeps = {
    engine: new DetectionEngine({ config, state, rules: allRules }),
    rules: allRules,
    dedup: state.dedup,
    remediation: config.remediation,
    sinks: sinks ?? [sink],
    deadLetters,
    rotation,
    logger,
  };
  return { deps, sink, deadLetters, logger, rotation };
}

const item = (value: unknown, itemId = 'm-1'): BatchItem => ({
  itemId,
  body: typeof value === 'string' ? value : JSON.stringify(value),
});

describe('processBatch', () => {
  it('alerts on a weakened gateway, and the same event twice alerts once', async () => {
    // Prepare
    const { deps, sink } = setup();
    const event = envelope(updateGatewayRecord());
    // Act
    const first = await processBatch([item(event)], deps);
    const second = await processBatch([item(event, 'm-2')], deps);
    // Assess
    expect(first.counts.processed).toBe(1);
    const ruleIds = sink.alerts.map((a) => a.attributes?.ruleId);
    expect(ruleIds).toContain('gateway-auth-weakened');
    const weakened = sink.alerts.find((a) => a.attributes?.ruleId === 'gateway-auth-weakened');
    expect(weakened?.severity).toBe('critical');
    expect(weakened?.detail).toMatchObject({
      schemaVersion: 1,
      eventId: updateGatewayRecord().eventID,
    });
    expect(second.counts.alert).toBe(0);
    expect(second.counts.duplicate).toBe(first.counts.alert);
    expect(sink.alerts).toHaveLength(first.counts.alert);
  });

  it.each([
    ['not JSON', '{"detail-type": "AWS API Call', 'event is not valid JSON'],
    [
      'not a CloudTrail event',
      { 'detail-type': 'Scheduled Event', source: 'aws.events', detail: {} },
      'detail-type',
    ],
    ['no detail', { 'detail-type': 'AWS API Call via CloudTrail', source: 'aws.iam' }, 'detail'],
    [
      'a record without userIdentity',
      envelope({ ...updateGatewayRecord(), userIdentity: undefined }),
      'detail is not a valid CloudTrail record: userIdentity',
    ],
    [
      'an old eventVersion',
      envelope({ ...updateGatewayRecord(), eventVersion: '1.02' }),
      'eventVersion',
    ],
  ])(
    'dead-letters %s with its reason and still processes the rest',
    async (_label, bad, reason) => {
      const { deps, sink, deadLetters } = setup();
      const good = envelope(updateGatewayRecord());
      const result = await processBatch([item(bad, 'bad'), item(good, 'good')], deps);
      expect(result.counts['dead-lettered']).toBe(1);
      expect(result.counts.processed).toBe(1);
      expect(deadLetters.letters).toHaveLength(1);
      expect(deadLetters.letters[0]?.reason).toContain(reason);
      expect(deadLetters.letters[0]?.body).toBe(item(bad).body);
      expect(sink.alerts.length).toBeGreaterThan(0);
    },
  );

  it('never logs the event or a secret value in it, only the reason', async () => {
    const { deps, logger, deadLetters } = setup();
    const canary = 'canary-7f3a-secret-value';
    const bad = envelope({ eventVersion: '1.09', requestParameters: { secretString: canary } });
    await processBatch([item(bad)], deps);
    expect(logger.lines.join('\n')).not.toContain(canary);
    expect(deadLetters.letters[0]?.reason).not.toContain(canary);
  });

  it('reports a dead-letter queue outage as a failure instead of dropping the event', async () => {
    const { deps } = setup();
    deps.deadLetters = { send: async () => Promise.reject(new Error('queue unavailable')) };
    const result = await processBatch([item('nope')], deps);
    expect(result.items[0]).toMatchObject({ status: 'failed' });
  });

  it('suppresses findings covered by an active suppression', async () => {
    const { deps, sink } = setup({
      suppressions: [
        {
          principal: 'PlatformAdmin',
          expires: '2027-01-01T00:00:00Z',
          reason: 'CHG-42 auth migration',
        },
      ],
    });
    const result = await processBatch([item(envelope(updateGatewayRecord()))], deps);
    expect(sink.alerts).toHaveLength(0);
    expect(result.counts.suppressed).toBeGreaterThan(0);
  });

  it('counts dry-run rules without alerting on them', async () => {
    const { deps, sink } = setup({ dryRunRules: ['gateway-auth-weakened'] });
    const result = await processBatch([item(envelope(updateGatewayRecord()))], deps);
    expect(result.counts['dry-run']).toBe(1);
    expect(sink.alerts.map((a) => a.attributes?.ruleId)).not.toContain('gateway-auth-weakened');
  });

  it('fails the event when a channel is down, and the retry alerts once the channel is back', async () => {
    const flaky = new FlakySink();
    const { deps } = setup({}, [flaky]);
    const event = item(envelope(updateGatewayRecord()));
    const during = await processBatch([event], deps);
    flaky.down = false;
    const retry = await processBatch([event], deps);
    const again = await processBatch([event], deps);
    expect(during.items[0]).toMatchObject({ status: 'failed' });
    expect(during.items[0]?.status === 'failed' && during.items[0].reason).toContain(
      'alert delivery failed',
    );
    expect(retry.counts.alert).toBeGreaterThan(0);
    expect(flaky.alerts.map((a) => a.attributes?.ruleId)).toContain('gateway-auth-weakened');
    expect(again.counts.alert).toBe(0);
  });

  it('rotates an exposed gateway secret when remediation is on, not when it is off', async () => {
    const on = setup({ remediation: { enabled: true } });
    const off = setup();
    const event = item(envelope(secretReadRecord(), { source: 'aws.secretsmanager' }));
    const result = await processBatch([event], on.deps);
    await processBatch([event], off.deps);
    expect(on.rotation.rotated).toEqual([GATEWAY_SECRET_ARN]);
    expect(off.rotation.rotated).toEqual([]);
    const outcome = result.items[0];
    expect(outcome?.status === 'processed' && outcome.findings[0]?.remediation).toEqual({
      action: 'rotated',
      secretId: GATEWAY_SECRET_ARN,
      versionId: 'v-new',
    });
  });
});
