import { createHash } from 'node:crypto';
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  PutItemCommand,
  QueryCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { GROUP_RESOURCES } from '../detection/grouping.js';
import type {
  BurstAdd,
  BurstMember,
  BurstStore,
  ClosedBurst,
  DueBurst,
} from '../detection/ports.js';
import type { Finding } from '../detection/types.js';
import { clientConfig } from './clients.js';

/**
 * Bursts on the detection state table (see `BurstStore` in lib/detection/ports.ts). Every item
 * starts with `bg#`, so the detect role's leading-key condition keeps them apart:
 * - burst     `bg#g#<groupId>` / `burst`   first finding (JSON), count, resources, state
 * - pointer   `bg#k#<group key>` / `burst` the burst open on a rule × principal key
 * - due list  `bg#due` / `<untilMs, 15 digits>#<groupId>` what the flush reads, oldest first
 * - member    `bg#m#<groupId>` / `<eventId>` an event already counted (retries count once)
 *
 * The first finding is what was already alerted: identifiers and a summary, never secrets.
 */
export interface DynamoBurstStoreOptions {
  tableName: string;
  /** How long a burst is kept after its window ends, flushed or not (default 7 days). */
  retentionSeconds?: number;
  client?: DynamoDBClient;
}

const DUE_PK = 'bg#due';
const MAX_KEY_PART = 512;

export class DynamoBurstStore implements BurstStore {
  private readonly client: DynamoDBClient;
  private readonly tableName: string;
  private readonly retentionMs: number;

  constructor(options: DynamoBurstStoreOptions) {
    this.client = options.client ?? new DynamoDBClient(clientConfig());
    this.tableName = options.tableName;
    this.retentionMs = (options.retentionSeconds ?? 7 * 86_400) * 1000;
  }

  async open(
    key: string,
    first: Finding,
    untilMs: number,
    windowSeconds: number,
    events = 1,
  ): Promise<void> {
    const groupId = first.findingId;
    const expiresAt = { N: String(Math.floor((untilMs + this.retentionMs) / 1000)) };
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: {
            pk: { S: burstPk(groupId) },
            sk: { S: 'burst' },
            first: { S: JSON.stringify(first) },
            untilMs: { N: String(untilMs) },
            windowSeconds: { N: String(windowSeconds) },
            count: { N: String(events) },
            resources: { L: first.resource === undefined ? [] : [{ S: first.resource }] },
            lastEventMs: { N: String(Date.parse(first.eventTime)) },
            lastEventTime: { S: first.eventTime },
            state: { S: 'open' },
            expiresAt,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      // A retried invocation opening the same burst again: keep its count.
      if (!isConditionFailure(error)) throw error;
    }
    // Plain puts, so a retry after a partial open completes it.
    await this.put(memberPk(groupId), first.eventId, expiresAt);
    await this.put(DUE_PK, dueSk({ groupId, untilMs }), expiresAt, { groupId: { S: groupId } });
    await this.put(keyPk(key), 'burst', expiresAt, { groupId: { S: groupId } });
  }

  async add(key: string, member: BurstMember): Promise<BurstAdd> {
    const groupId = (await this.read(keyPk(key)))?.groupId?.S;
    if (groupId === undefined) return 'none';
    const burstKey = { pk: { S: burstPk(groupId) }, sk: { S: 'burst' } };
    try {
      // Counted once per event, and only while the burst is open: one transaction.
      await this.client.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tableName,
                Item: {
                  pk: { S: memberPk(groupId) },
                  sk: { S: keyPart(member.eventId) },
                  expiresAt: { N: String(Math.floor((Date.now() + this.retentionMs) / 1000)) },
                },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            {
              Update: {
                TableName: this.tableName,
                Key: burstKey,
                UpdateExpression: 'ADD #count :one',
                // Open, and the event within its window (event time), as replay counts it.
                ConditionExpression: '#state = :open AND untilMs > :at',
                ExpressionAttributeNames: { '#count': 'count', '#state': 'state' },
                ExpressionAttributeValues: {
                  ':one': { N: '1' },
                  ':open': { S: 'open' },
                  ':at': { N: String(Date.parse(member.eventTime)) },
                },
              },
            },
          ],
        }),
      );
    } catch (error) {
      const reasons = cancellationCodes(error);
      if (reasons === undefined) throw error;
      // The event was counted before (a retry): it is in the burst.
      if (reasons[0] === 'ConditionalCheckFailed') return 'counted';
      if (reasons[1] === 'ConditionalCheckFailed') return 'closed';
      throw error;
    }
    // Presentation only (the count is what matters): the latest time, the first resources.
    await this.updateIf(
      burstKey,
      'SET lastEventMs = :ms, lastEventTime = :t',
      'lastEventMs < :ms',
      { ':ms': { N: String(Date.parse(member.eventTime)) }, ':t': { S: member.eventTime } },
    );
    if (member.resource !== undefined) {
      await this.updateIf(
        burstKey,
        'SET resources = list_append(resources, :r)',
        'size(resources) < :max AND NOT contains(resources, :one)',
        {
          ':r': { L: [{ S: member.resource }] },
          ':one': { S: member.resource },
          ':max': { N: String(GROUP_RESOURCES) },
        },
      );
    }
    return 'counted';
  }

  async due(beforeMs: number, limit: number): Promise<DueBurst[]> {
    const found: DueBurst[] = [];
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND sk < :before',
          ExpressionAttributeValues: {
            ':pk': { S: DUE_PK },
            // Every sk of a window ending at `beforeMs` sorts below this one.
            ':before': { S: `${padded(beforeMs)}$` },
          },
          Limit: limit - found.length,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) {
        const groupId = item.groupId?.S;
        const untilMs = Number(item.sk?.S?.split('#')[0]);
        if (groupId !== undefined && Number.isFinite(untilMs)) found.push({ groupId, untilMs });
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined && found.length < limit);
    return found;
  }

  async close(
    due: DueBurst,
    nowMs: number,
    staleMs: number,
  ): Promise<{ state: 'closed'; burst: ClosedBurst } | { state: 'busy' } | { state: 'gone' }> {
    let item: Record<string, AttributeValue> | undefined;
    try {
      const result = await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { pk: { S: burstPk(due.groupId) }, sk: { S: 'burst' } },
          UpdateExpression: 'SET #state = :closing, takenAtMs = :now',
          ConditionExpression: '#state = :open OR (#state = :closing AND takenAtMs < :stale)',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: {
            ':open': { S: 'open' },
            ':closing': { S: 'closing' },
            ':now': { N: String(nowMs) },
            ':stale': { N: String(nowMs - staleMs) },
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      item = result.Attributes;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const current = await this.read(burstPk(due.groupId));
      return current?.state?.S === 'closing' ? { state: 'busy' } : { state: 'gone' };
    }
    const first = item?.first?.S;
    if (item === undefined || first === undefined) return { state: 'gone' };
    return {
      state: 'closed',
      burst: {
        groupId: due.groupId,
        first: JSON.parse(first) as Finding,
        count: Number(item.count?.N ?? '1'),
        resources: (item.resources?.L ?? []).flatMap((r) => (r.S === undefined ? [] : [r.S])),
        lastEventTime: item.lastEventTime?.S ?? '',
        windowSeconds: Number(item.windowSeconds?.N ?? '0'),
        untilMs: Number(item.untilMs?.N ?? String(due.untilMs)),
      },
    };
  }

  async forget(due: DueBurst): Promise<void> {
    // `sent` first: a late event then alerts on its own instead of joining a summarised burst.
    await this.updateIf(
      { pk: { S: burstPk(due.groupId) }, sk: { S: 'burst' } },
      'SET #state = :sent',
      'attribute_exists(pk)',
      { ':sent': { S: 'sent' } },
      { '#state': 'state' },
    );
    await this.client.send(
      new DeleteItemCommand({
        TableName: this.tableName,
        Key: { pk: { S: DUE_PK }, sk: { S: dueSk(due) } },
      }),
    );
  }

  async reopen(due: DueBurst): Promise<void> {
    await this.updateIf(
      { pk: { S: burstPk(due.groupId) }, sk: { S: 'burst' } },
      'SET #state = :open',
      '#state = :closing',
      { ':open': { S: 'open' }, ':closing': { S: 'closing' } },
      { '#state': 'state' },
    );
  }

  /**
   * The `burst` item of a partition, read with a key-only Query: the detect role holds Query
   * on its own prefixes and no GetItem.
   */
  private async read(pk: string): Promise<Record<string, AttributeValue> | undefined> {
    const page = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND sk = :sk',
        ExpressionAttributeValues: { ':pk': { S: pk }, ':sk': { S: 'burst' } },
        ConsistentRead: true,
      }),
    );
    return page.Items?.[0];
  }

  private async put(
    pk: string,
    sk: string,
    expiresAt: AttributeValue,
    extra: Record<string, AttributeValue> = {},
  ): Promise<void> {
    await this.client.send(
      new PutItemCommand({
        TableName: this.tableName,
        Item: { pk: { S: pk }, sk: { S: keyPart(sk) }, expiresAt, ...extra },
      }),
    );
  }

  /** A conditional update whose condition failing is an answer, not an error. */
  private async updateIf(
    key: Record<string, AttributeValue>,
    update: string,
    condition: string,
    values: Record<string, AttributeValue>,
    names?: Record<string, string>,
  ): Promise<void> {
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression: update,
          ConditionExpression: condition,
          ExpressionAttributeValues: values,
          ...(names === undefined ? {} : { ExpressionAttributeNames: names }),
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }
}

function burstPk(groupId: string): string {
  return `bg#g#${groupId}`;
}

function keyPk(key: string): string {
  return `bg#k#${keyPart(key)}`;
}

function memberPk(groupId: string): string {
  return `bg#m#${groupId}`;
}

function dueSk(due: DueBurst): string {
  return `${padded(due.untilMs)}#${due.groupId}`;
}

function padded(ms: number): string {
  return String(Math.max(0, Math.floor(ms))).padStart(15, '0');
}

/** Keeps keys well inside DynamoDB's key size limits: long parts become a hash. */
function keyPart(value: string): string {
  if (value.length <= MAX_KEY_PART) return value;
  const digest = createHash('sha256').update(value).digest('hex');
  return `${value.slice(0, 64)}…sha256:${digest}`;
}

function isConditionFailure(error: unknown): boolean {
  return (
    error instanceof ConditionalCheckFailedException ||
    (error as { name?: string }).name === 'ConditionalCheckFailedException'
  );
}

/** Per-item codes of a cancelled transaction (`None`, `ConditionalCheckFailed`, …). */
function cancellationCodes(error: unknown): (string | undefined)[] | undefined {
  const e = error as { name?: string; CancellationReasons?: { Code?: string }[] };
  if (e.name !== 'TransactionCanceledException' || e.CancellationReasons === undefined) {
    return undefined;
  }
  return e.CancellationReasons.map((r) => r.Code);
}
