import { MemoryAlertSink } from '../../../lib/alerts/alert.js';
import { parseDetectionConfig } from '../../../lib/detection/config.js';
import {
  DeliveryTracker,
  heartbeatOf,
  heartbeatRuleArn,
  MemoryDeliveryStore,
  type DeliveryEnvelope,
} from '../../../lib/detection/delivery.js';
import { DetectionEngine } from '../../../lib/detection/engine.js';
import { memoryState } from '../../../lib/detection/memoryStores.js';
import {
  MemoryDeadLetterQueue,
  processBatch,
  type ProcessDeps,
  type RecordEvaluator,
} from '../../../lib/detection/process.js';
import { allRules } from '../../../lib/detection/registry.js';

/**
 * Delivery evidence (lib/detection/delivery.ts): detect records, per account and region of the
 * EventBridge envelope, when it last received an event and a member's heartbeat, with one store
 * write per account-region and time bucket; a heartbeat is recorded and nothing else, and counts
 * for an account only when it names that account's own heartbeat rule in that region.
 */

const STAGE = 'prod';
const MEMBER = '222233334444';
const OTHER = '333344445555';
const T0 = Date.parse('2026-12-06T06:00:00Z');
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** The event a member's heartbeat rule puts on the central bus, as AWS writes it. */
function heartbeatEvent(account: string, region: string, atMs: number, ruleArn?: string) {
  return {
    version: '0',
    id: `hb-${account}-${region}-${atMs}`,
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account,
    time: new Date(atMs).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region,
    resources: [ruleArn ?? heartbeatRuleArn(STAGE, account, region)],
    detail: {},
  };
}

function cloudTrailEvent(account: string, region: string, atMs: number, recipient = account) {
  return {
    version: '0',
    id: `ct-${atMs}`,
    'detail-type': 'AWS API Call via CloudTrail',
    source: 'aws.iam',
    account,
    time: new Date(atMs).toISOString(),
    region,
    resources: [],
    detail: {
      eventVersion: '1.11',
      userIdentity: {
        type: 'IAMUser',
        arn: `arn:aws:iam::${recipient}:user/ops`,
        accountId: recipient,
      },
      eventTime: new Date(atMs).toISOString(),
      eventSource: 'iam.amazonaws.com',
      eventName: 'ListRoles',
      awsRegion: region,
      sourceIPAddress: '198.51.100.7',
      userAgent: 'aws-cli/2.15.0',
      eventID: `e-${atMs}`,
      eventType: 'AwsApiCall',
      recipientAccountId: recipient,
    },
  };
}

function setup(nowMs = T0 + 3_600_000) {
  const config = parseDetectionConfig({});
  const state = memoryState();
  const store = new MemoryDeliveryStore();
  const deadLetters = new MemoryDeadLetterQueue();
  const sink = new MemoryAlertSink();
  const evaluated: string[] = [];
  const engine = new DetectionEngine({ config, state, rules: allRules });
  const counting: RecordEvaluator = {
    evaluate: (record) => {
      evaluated.push(record.eventID);
      return engine.evaluate(record);
    },
  };
  const deps: ProcessDeps = {
    engine: counting,
    rules: allRules,
    dedup: state.dedup,
    remediation: config.remediation,
    sinks: [sink],
    deadLetters,
    logger: silent,
    delivery: { tracker: new DeliveryTracker(store, { now: () => nowMs }), stage: STAGE },
  };
  const run = (events: unknown[]) =>
    processBatch(
      events.map((e, i) => ({ itemId: `m-${i}`, body: JSON.stringify(e) })),
      deps,
    );
  return { deps, store, deadLetters, sink, evaluated, run };
}

describe('heartbeatOf', () => {
  const own = heartbeatEvent(MEMBER, 'eu-west-1', T0) as DeliveryEnvelope;

  it.each<[string, DeliveryEnvelope, { account: string; region: string } | undefined]>([
    [
      "the member's own heartbeat rule in that region",
      own,
      { account: MEMBER, region: 'eu-west-1' },
    ],
    [
      'a GovCloud partition ARN of the same rule',
      { ...own, resources: [heartbeatRuleArn(STAGE, MEMBER, 'eu-west-1', 'aws-us-gov')] },
      { account: MEMBER, region: 'eu-west-1' },
    ],
    [
      "another account's heartbeat rule",
      { ...own, resources: [heartbeatRuleArn(STAGE, OTHER, 'eu-west-1')] },
      undefined,
    ],
    [
      'its own rule, but of another region',
      { ...own, resources: [heartbeatRuleArn(STAGE, MEMBER, 'us-east-1')] },
      undefined,
    ],
    [
      "another stage's heartbeat rule",
      { ...own, resources: [heartbeatRuleArn('dev', MEMBER, 'eu-west-1')] },
      undefined,
    ],
    [
      'a rule whose name only starts like the heartbeat',
      { ...own, resources: [`${heartbeatRuleArn(STAGE, MEMBER, 'eu-west-1')}-x`] },
      undefined,
    ],
    ['a custom source', { ...own, source: 'custom.events' }, undefined],
    ['another detail-type', { ...own, 'detail-type': 'AWS API Call via CloudTrail' }, undefined],
    ['no account', { ...own, account: undefined } as DeliveryEnvelope, undefined],
    ['no resources', { ...own, resources: undefined }, undefined],
    [
      'resources not a list',
      { ...own, resources: heartbeatRuleArn(STAGE, MEMBER, 'eu-west-1') },
      undefined,
    ],
  ])('%s', (_name, envelope, expected) => {
    expect(heartbeatOf(envelope, STAGE)).toEqual(expected);
  });
});

describe('DeliveryTracker', () => {
  it('writes once per account, region, kind and five-minute bucket, whatever the number of events', async () => {
    // Prepare
    const store = new MemoryDeliveryStore();
    const tracker = new DeliveryTracker(store, { now: () => T0 + 3_600_000 });
    const from = { account: MEMBER, region: 'eu-west-1' };
    const at = (ms: number) => new Date(ms).toISOString();

    // Act: a storm of 500 events within one bucket, then one in the next bucket.
    for (let i = 0; i < 500; i++) await tracker.note(from, 'event', at(T0 + i * 100));
    await tracker.note(from, 'event', at(T0 + 300_000));
    await tracker.note({ account: OTHER, region: 'eu-west-1' }, 'event', at(T0));
    await tracker.note(from, 'heartbeat', at(T0));

    // Assess
    expect(store.writes.map((w) => [w.account, w.kind, w.atMs])).toEqual([
      [MEMBER, 'event', T0],
      [MEMBER, 'event', T0 + 300_000],
      [OTHER, 'event', T0],
      [MEMBER, 'heartbeat', T0],
    ]);
  });

  it('keeps the latest time whatever the order, duplicates and late events changing nothing', async () => {
    // Prepare: two trackers (two warm Lambdas) on one store.
    const store = new MemoryDeliveryStore();
    const now = () => T0 + 3_600_000;
    const a = new DeliveryTracker(store, { now });
    const b = new DeliveryTracker(store, { now });
    const from = { account: MEMBER, region: 'eu-west-1' };
    const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();

    // Act: heartbeats at 0, 10, 20, 30 minutes, delivered out of order and twice.
    await a.note(from, 'heartbeat', at(20));
    await b.note(from, 'heartbeat', at(30));
    await a.note(from, 'heartbeat', at(0));
    await b.note(from, 'heartbeat', at(30));
    await a.note(from, 'heartbeat', at(10));

    // Assess
    expect(await store.entries(MEMBER)).toEqual([
      { account: MEMBER, region: 'eu-west-1', lastHeartbeatMs: T0 + 30 * 60_000 },
    ]);
  });

  it("never records a time later than detect's own clock (a skewed time would freeze the entry)", async () => {
    const store = new MemoryDeliveryStore();
    const tracker = new DeliveryTracker(store, { now: () => T0 });
    await tracker.note(
      { account: MEMBER, region: 'eu-west-1' },
      'heartbeat',
      new Date(T0 + 86_400_000).toISOString(),
    );
    expect((await store.entries(MEMBER))[0]?.lastHeartbeatMs).toBe(T0);
  });

  it('skips an unreadable time', async () => {
    const store = new MemoryDeliveryStore();
    const tracker = new DeliveryTracker(store);
    expect(await tracker.note({ account: MEMBER, region: 'eu-west-1' }, 'event', 'yesterday')).toBe(
      false,
    );
    expect(store.writes).toEqual([]);
  });
});

describe('detect and delivery', () => {
  it('records a heartbeat and does nothing else: no rule, no alert, no dead letter', async () => {
    // Prepare
    const { run, store, sink, deadLetters, evaluated } = setup();

    // Act
    const result = await run([heartbeatEvent(MEMBER, 'eu-west-1', T0)]);

    // Assess
    expect(result.counts).toMatchObject({ processed: 1, alert: 0, 'dead-lettered': 0 });
    expect(evaluated).toEqual([]);
    expect(sink.alerts).toEqual([]);
    expect(deadLetters.letters).toEqual([]);
    expect(await store.entries(MEMBER)).toEqual([
      { account: MEMBER, region: 'eu-west-1', lastHeartbeatMs: T0 },
    ]);
  });

  it('records a CloudTrail event for the envelope account and region, not the record body', async () => {
    // Prepare: a record whose body names another account (recipientAccountId, identity).
    const { run, store, evaluated } = setup();

    // Act
    await run([cloudTrailEvent(MEMBER, 'eu-central-1', T0, OTHER)]);

    // Assess: evaluated as usual; the delivery is the envelope's account's.
    expect(evaluated).toEqual([`e-${T0}`]);
    expect(await store.entries(MEMBER)).toEqual([
      { account: MEMBER, region: 'eu-central-1', lastEventMs: T0 },
    ]);
    expect(await store.entries(OTHER)).toEqual([]);
  });

  it('a failed heartbeat write fails the item (retried); a failed event write costs nothing', async () => {
    // Prepare
    const { deps } = setup();
    const broken = {
      record: () => Promise.reject(new Error('throttled')),
      entries: () => Promise.resolve([]),
    };
    const failing: ProcessDeps = {
      ...deps,
      delivery: { tracker: new DeliveryTracker(broken), stage: STAGE },
    };

    // Act
    const result = await processBatch(
      [
        { itemId: 'hb', body: JSON.stringify(heartbeatEvent(MEMBER, 'eu-west-1', T0)) },
        { itemId: 'ct', body: JSON.stringify(cloudTrailEvent(MEMBER, 'eu-west-1', T0)) },
      ],
      failing,
    );

    // Assess
    expect(result.items.map((i) => [i.itemId, i.status])).toEqual([
      ['hb', 'failed'],
      ['ct', 'processed'],
    ]);
  });
});

describe('attacks on delivery evidence', () => {
  it("a member's scheduled event naming another account's heartbeat rule counts for nobody", async () => {
    // Prepare: member OTHER schedules a rule aimed at the central bus; AWS writes its own
    // account in the envelope, and (were it able to) its resources name MEMBER's heartbeat rule.
    const { run, store, deadLetters, evaluated } = setup();
    const forged = heartbeatEvent(
      OTHER,
      'eu-west-1',
      T0,
      heartbeatRuleArn(STAGE, MEMBER, 'eu-west-1'),
    );

    // Act
    const result = await run([forged]);

    // Assess: dead-lettered with its reason; neither account's entry written.
    expect(result.counts).toMatchObject({ processed: 0, 'dead-lettered': 1 });
    expect(deadLetters.letters[0]?.reason).toMatch(/not this stage's heartbeat rule/);
    expect(evaluated).toEqual([]);
    expect(await store.entries(MEMBER)).toEqual([]);
    expect(await store.entries(OTHER)).toEqual([]);
  });

  it('a custom source dressed as a heartbeat (PutEvents) is refused and records nothing', async () => {
    const { run, store, deadLetters } = setup();
    const custom = { ...heartbeatEvent(MEMBER, 'eu-west-1', T0), source: 'custom.events' };
    const result = await run([custom]);
    expect(result.counts).toMatchObject({ processed: 0, 'dead-lettered': 1 });
    expect(deadLetters.letters[0]?.reason).toMatch(/not a CloudTrail EventBridge event|aws\./);
    expect(await store.entries(MEMBER)).toEqual([]);
  });

  it('a custom source with a CloudTrail body records no delivery for the account it names', async () => {
    const { run, store } = setup();
    const custom = { ...cloudTrailEvent(MEMBER, 'eu-west-1', T0), source: 'custom.iam' };
    await run([custom]);
    expect(await store.entries(MEMBER)).toEqual([]);
  });
});
