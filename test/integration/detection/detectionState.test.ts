import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DynamoBaselineStore,
  DynamoDedupStore,
  DynamoLastStateStore,
  DynamoWindowCounter,
} from '../../../lib/aws/detectionState.js';
import { STATE_HISTORY } from '../../../lib/detection/ports.js';
import { testClientConfig } from '../../support/localStack.js';
import { createStateTable, deleteTable } from '../../support/stateTable.js';
import { requireLocalStack } from './stack.js';

const DAY = 86_400_000;
const T0 = Date.parse('2026-11-01T10:00:00Z');

describe('DynamoDB detection state on the local stack', () => {
  let client: DynamoDBClient;
  let tableName: string;

  beforeAll(async () => {
    requireLocalStack();
    client = new DynamoDBClient(testClientConfig());
    tableName = await createStateTable(client);
  });

  afterAll(async () => {
    await deleteTable(client, tableName);
    client.destroy();
  });

  describe('DynamoDedupStore', () => {
    it('lets exactly one of many concurrent claims win, then frees the key after the window', async () => {
      // Prepare
      const dedup = new DynamoDedupStore(client, tableName);
      // Act: 12 invocations race for the same finding key
      const results = await Promise.all(
        Array.from({ length: 12 }, () => dedup.claim('rule-a', 'gw-1|UpdateGateway', T0, 300)),
      );
      const later = await dedup.claim('rule-a', 'gw-1|UpdateGateway', T0 + 299_000, 300);
      const afterWindow = await dedup.claim('rule-a', 'gw-1|UpdateGateway', T0 + 300_000, 300);
      const otherKey = await dedup.claim('rule-a', 'gw-2|UpdateGateway', T0, 300);
      // Assess
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(later).toBe(false);
      expect(afterWindow).toBe(true);
      expect(otherKey).toBe(true);
    });

    it('hashes very long keys instead of failing on the key size limit', async () => {
      const dedup = new DynamoDedupStore(client, tableName);
      const long = 'x'.repeat(5000);
      await expect(dedup.claim('rule-long', long, T0, 60)).resolves.toBe(true);
      await expect(dedup.claim('rule-long', long, T0, 60)).resolves.toBe(false);
    });
  });

  describe('DynamoLastStateStore', () => {
    const put = (state: string) => () => state;
    const look = () => undefined;

    it('answers with the version before each record, in event-time order, whatever the arrival order', async () => {
      // Prepare
      const store = new DynamoLastStateStore(client, tableName);
      const subject = `gw-order-${T0}`;
      // Act: T1, then T3, then the older T2 arriving last, then a look at T4
      const first = await store.record(
        'gateway',
        subject,
        T0 + 1000,
        'e1',
        put('{"waf":"FAIL_CLOSE"}'),
      );
      const third = await store.record(
        'gateway',
        subject,
        T0 + 3000,
        'e3',
        put('{"waf":"FAIL_OPEN"}'),
      );
      const second = await store.record('gateway', subject, T0 + 2000, 'e2', put('{"waf":"none"}'));
      const fourth = await store.record('gateway', subject, T0 + 4000, 'e4', look);
      // Assess
      expect(first).toBeUndefined();
      expect(third?.eventId).toBe('e1');
      expect(second?.eventId).toBe('e1');
      expect(fourth).toEqual({ atMs: T0 + 3000, eventId: 'e3', state: '{"waf":"FAIL_OPEN"}' });
    });

    it('a duplicated record gets the same answer and changes nothing; a cold start reads the same', async () => {
      const store = new DynamoLastStateStore(client, tableName);
      const subject = `gw-dup-${T0}`;
      await store.record('gateway', subject, T0, 'a', put('{"kms":"k1"}'));
      const once = await store.record('gateway', subject, T0 + 10, 'b', put('{"kms":"none"}'));
      const twice = await store.record('gateway', subject, T0 + 10, 'b', put('{"kms":"other"}'));
      const coldStore = new DynamoLastStateStore(client, tableName);
      const after = await coldStore.record('gateway', subject, T0 + 20, 'c', look);
      expect(once?.eventId).toBe('a');
      expect(twice?.eventId).toBe('a');
      expect(after?.state).toBe('{"kms":"none"}');
    });

    it('concurrent records of one resource all land, in order (optimistic version check)', async () => {
      const store = new DynamoLastStateStore(client, tableName);
      const subject = `gw-race-${T0}`;
      const n = STATE_HISTORY - 1;
      await Promise.all(
        Array.from({ length: n }, (_, i) =>
          store.record('gateway', subject, T0 + i * 1000, `r${i}`, put(`{"v":${i}}`)),
        ),
      );
      const last = await store.record('gateway', subject, T0 + n * 1000, 'look', look);
      const before = await store.record('gateway', subject, T0 + 2500, 'look2', look);
      expect(last?.eventId).toBe(`r${n - 1}`);
      expect(before?.eventId).toBe('r2');
    });

    it('a record older than the kept history is told nothing and changes nothing', async () => {
      const store = new DynamoLastStateStore(client, tableName);
      const subject = `gw-old-${T0}`;
      for (let i = 0; i < STATE_HISTORY; i++) {
        await store.record('gateway', subject, T0 + (i + 1) * 1000, `h${i}`, put(`{"v":${i}}`));
      }
      const ancient = await store.record('gateway', subject, T0, 'ancient', put('{"v":-1}'));
      const newest = await store.record('gateway', subject, T0 + 99_000, 'look', look);
      expect(ancient).toBeUndefined();
      expect(newest?.eventId).toBe(`h${STATE_HISTORY - 1}`);
    });
  });

  describe('DynamoBaselineStore', () => {
    it('answers as of before the observation and remembers the subject first sighting', async () => {
      const store = new DynamoBaselineStore(client, tableName, { knownCacheMs: 0 });
      const first = await store.observe('action', 'arn:aws:iam::1:role/a', 'UpdateGateway', T0);
      const again = await store.observe(
        'action',
        'arn:aws:iam::1:role/a',
        'UpdateGateway',
        T0 + DAY,
      );
      const other = await store.observe(
        'action',
        'arn:aws:iam::1:role/a',
        'DeleteGateway',
        T0 + 2 * DAY,
      );
      expect(first).toEqual({ known: false, subjectFirstSeenMs: T0 });
      expect(again).toEqual({ known: true, subjectFirstSeenMs: T0 });
      expect(other).toEqual({ known: false, subjectFirstSeenMs: T0 });
    });

    it('moves the first sighting back when an older record arrives late', async () => {
      const store = new DynamoBaselineStore(client, tableName, { knownCacheMs: 0 });
      await store.observe('action', 'p-late', 'UpdateGateway', T0 + DAY);
      const late = await store.observe('action', 'p-late', 'DeleteGateway', T0);
      const next = await store.observe('action', 'p-late', 'CreateGateway', T0 + 2 * DAY);
      expect(late.subjectFirstSeenMs).toBe(T0);
      expect(next).toEqual({ known: false, subjectFirstSeenMs: T0 });
    });

    it('treats an item past its expiresAt as forgotten even though the table still holds it', async () => {
      // moto never runs TTL deletion, as DynamoDB may lag: the store must check expiresAt itself.
      const store = new DynamoBaselineStore(client, tableName, {
        baselineRetentionDays: 1,
        knownCacheMs: 0,
      });
      await store.observe('sourceIp', 'p-ttl', '10.0.0.0/24', T0);
      const stale = await store.observe('sourceIp', 'p-ttl', '10.0.0.0/24', T0 + 3 * DAY);
      expect(stale).toEqual({ known: false, subjectFirstSeenMs: T0 + 3 * DAY });
    });
  });

  describe('DynamoWindowCounter', () => {
    it('counts atomically, counts distinct members, and sums earlier windows', async () => {
      const counter = new DynamoWindowCounter(client, tableName);
      const hour = 3_600_000;
      const counts = await Promise.all(
        Array.from({ length: 5 }, () => counter.add('rate|p', T0, 3600)),
      );
      await counter.add('rate|p', T0 - 2 * hour, 3600);
      const members = [
        await counter.add('bulk|p', T0, 600, 'secret-1'),
        await counter.add('bulk|p', T0, 600, 'secret-2'),
        await counter.add('bulk|p', T0, 600, 'secret-1'),
      ];
      const totals = await counter.totals('rate|p', [T0 - hour, T0 - 2 * hour, T0]);
      expect([...counts].sort()).toEqual([1, 2, 3, 4, 5]);
      expect(members).toEqual([1, 2, 2]);
      expect(totals).toEqual([0, 1, 5]);
    });
  });
});
