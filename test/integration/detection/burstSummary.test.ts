import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoBurstStore } from '../../../lib/aws/burstStore.js';
import { dynamoDetectionState } from '../../../lib/aws/detectionState.js';
import { testClientConfig } from '../../support/localStack.js';
import { createStateTable, deleteTable } from '../../support/stateTable.js';
import {
  deleteBurst,
  findingOf,
  liveRun,
  mixedStream,
  pastEveryWindow,
  replayFindings,
  sortedTallies,
} from '../../unit/detection/burstStreams.js';
import { MemoryAlertSink, type Alert } from '../../../lib/alerts/alert.js';
import { requireLocalStack } from './stack.js';

/** Burst summaries on the DynamoDB state table of the local stack: live and replay agree. */
describe('burst summaries on DynamoDB (local stack)', () => {
  let client: DynamoDBClient;
  let tableName: string;

  beforeAll(async () => {
    requireLocalStack();
    client = new DynamoDBClient({ ...testClientConfig(), maxAttempts: 1 });
    tableName = await createStateTable(client);
  });

  afterAll(async () => {
    await deleteTable(client, tableName);
    client.destroy();
  });

  it('sends one follow-up per burst with the count replay gives for the same records', async () => {
    // Prepare
    const state = dynamoDetectionState({ tableName, client, knownCacheMs: 0 });
    const live = liveRun(state, state.bursts);
    const stream = mixedStream();
    // Act
    const processed = await live.process(stream);
    const firstAlerts = live.sink.alerts.length;
    const flushed = await live.flush(pastEveryWindow(stream));
    const replayed = await replayFindings(stream);
    // Assess
    expect(processed.counts.failed).toBe(0);
    const summaries = live.sink.alerts.slice(firstAlerts).map(findingOf);
    expect(flushed).toMatchObject({ summaries: summaries.length, failed: 0 });
    expect(sortedTallies(summaries)).toEqual(sortedTallies(replayed));
    expect(summaries.map((f) => f.group?.count).sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual(
      expect.arrayContaining([7, 10, 17]),
    );
  });

  it('counts a retried event once and alerts on its own one that comes after the summary', async () => {
    // Prepare
    const state = dynamoDetectionState({ tableName, client, knownCacheMs: 0 });
    const live = liveRun(state, state.bursts);
    const burst = deleteBurst(6, '2026-11-21T08:00:00.000Z', 'ddb-late');
    const [late] = burst.splice(4, 1);
    // Act
    await live.process(burst);
    await live.process(burst.slice(1, 3)); // an invocation retried
    await live.flush(pastEveryWindow(burst));
    const summary = findingOf(live.sink.alerts.at(-1) as Alert);
    const lateResult = await live.process([late as Record<string, unknown>]);
    // Assess
    expect(summary.group?.count).toBe(5);
    expect(summary.group?.resources).toHaveLength(5);
    expect(lateResult.counts).toMatchObject({ alert: 1, grouped: 0 });
    expect(findingOf(live.sink.alerts.at(-1) as Alert).eventId).toBe('ddb-late-delete-004');
  });

  it('lets exactly one of two racing flushes send a summary', async () => {
    // Prepare
    const state = dynamoDetectionState({ tableName, client, knownCacheMs: 0 });
    const other = new DynamoBurstStore({ tableName, client });
    const live = liveRun(state, state.bursts);
    const rival = liveRun(state, other);
    const burst = deleteBurst(9, '2026-11-22T08:00:00.000Z', 'ddb-race');
    await live.process(burst);
    const at = pastEveryWindow(burst);
    const rivalSink = new MemoryAlertSink();
    const before = live.sink.alerts.length;
    // Act
    const [a, b] = await Promise.all([live.flush(at), rival.flush(at, rivalSink)]);
    // Assess
    const sent = [...live.sink.alerts.slice(before), ...rivalSink.alerts].map(findingOf);
    expect(sent.filter((f) => f.group?.count === 9)).toHaveLength(1);
    expect(a.summaries + b.summaries).toBe(1);
  });
});
