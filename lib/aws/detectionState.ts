import { createHash } from 'node:crypto';
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import type { DeliveryEntry, DeliveryKind, DeliveryStore } from '../detection/delivery.js';
import type { ReleasableDedupStore } from '../detection/process.js';
import { insertVersion } from '../detection/lastStates.js';
import type {
  BaselineDimension,
  BaselineObservation,
  BaselineStore,
  DetectionState,
  LastStateStore,
  StateVersion,
  WindowCounter,
} from '../detection/ports.js';
import { DynamoBurstStore } from './burstStore.js';
import { clientConfig } from './clients.js';

/**
 * Detection state in one DynamoDB table (key `pk`/`sk`, both strings; TTL attribute
 * `expiresAt` in epoch seconds). DynamoDB deletes expired items only eventually (and local
 * emulators never do), so every read also checks `expiresAt` itself.
 *
 * Items:
 * - baseline value   `bl#<dimension>#<subject>` / `v#<value>`   firstSeen, lastSeen
 * - baseline subject `bl#<dimension>#<subject>` / `subject`     firstSeen (learning period)
 * - window counter   `wc#<key>` / `w#<windowStart, 15 digits>`   n (count) or m (string set)
 * - dedup claim      `dd#<ruleId>#<dedupKey>` / `dedup`           untilMs
 * - last state       `bl#last#<kind>#<subject>` / `last`   h (JSON history), v (version)
 * - last delivery    `bl#delivery#<account>` / `r#<region>`   lastEventMs, lastHeartbeatMs
 * - bursts           `bg#…` (see burstStore.ts)
 */
export interface DynamoStateOptions {
  tableName: string;
  /** Baseline entries not seen again for this long are forgotten (default 90 days). */
  baselineRetentionDays?: number;
  /** Window counter items are kept this long after their window ends (default 2 days). */
  counterRetentionSeconds?: number;
  /** How long a warm Lambda remembers baseline values it already knows (default 10 min). */
  knownCacheMs?: number;
  client?: DynamoDBClient;
}

const MAX_KEY_PART = 512;

/** Keeps keys well inside DynamoDB's 2 KB partition-key limit: long parts become a hash. */
function keyPart(value: string): string {
  if (value.length <= MAX_KEY_PART) return value;
  const digest = createHash('sha256').update(value).digest('hex');
  return `${value.slice(0, 64)}…sha256:${digest}`;
}

function seconds(ms: number): number {
  return Math.floor(ms / 1000);
}

function numberOf(value: AttributeValue | undefined): number | undefined {
  return value?.N === undefined ? undefined : Number(value.N);
}

/** Baselines on DynamoDB: an `UpdateItem` per item returning the old image. */
export class DynamoBaselineStore implements BaselineStore {
  private readonly retentionMs: number;
  private readonly knownCacheMs: number;
  /** Positive answers only: a value known a minute ago is still known. */
  private readonly known = new Map<string, { subjectFirstSeenMs: number; until: number }>();

  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    options: Pick<DynamoStateOptions, 'baselineRetentionDays' | 'knownCacheMs'> = {},
    private readonly now: () => number = Date.now,
  ) {
    this.retentionMs = (options.baselineRetentionDays ?? 90) * 86_400_000;
    this.knownCacheMs = options.knownCacheMs ?? 600_000;
  }

  async observe(
    dimension: BaselineDimension,
    subject: string,
    value: string,
    atMs: number,
  ): Promise<BaselineObservation> {
    const pk = `bl#${dimension}#${keyPart(subject)}`;
    const cacheKey = `${pk}\u0000${value}`;
    const cached = this.known.get(cacheKey);
    if (cached && cached.until > this.now()) {
      return { known: true, subjectFirstSeenMs: cached.subjectFirstSeenMs };
    }
    const [subjectOld, valueOld] = await Promise.all([
      this.touch(pk, 'subject', atMs),
      this.touch(pk, `v#${keyPart(value)}`, atMs),
    ]);
    const subjectFirstSeenMs = subjectOld ?? atMs;
    const known = valueOld !== undefined;
    if (known) {
      if (this.known.size > 50_000) this.known.clear();
      this.known.set(cacheKey, { subjectFirstSeenMs, until: this.now() + this.knownCacheMs });
    }
    return { known, subjectFirstSeenMs };
  }

  /**
   * Records a sighting and returns the earlier `firstSeen` (epoch ms), or undefined when the
   * item did not exist or had expired — then `firstSeen` is reset to `atMs`.
   */
  private async touch(pk: string, sk: string, atMs: number): Promise<number | undefined> {
    const result = await this.client.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: { pk: { S: pk }, sk: { S: sk } },
        UpdateExpression:
          'SET firstSeen = if_not_exists(firstSeen, :at), lastSeen = :at, expiresAt = :exp',
        ExpressionAttributeValues: {
          ':at': { N: String(atMs) },
          ':exp': { N: String(seconds(atMs + this.retentionMs)) },
        },
        ReturnValues: 'ALL_OLD',
      }),
    );
    const old = result.Attributes;
    const oldFirstSeen = numberOf(old?.firstSeen);
    const oldExpires = numberOf(old?.expiresAt);
    if (oldFirstSeen === undefined) return undefined;
    if (oldExpires !== undefined && oldExpires < seconds(atMs)) {
      // Expired but not yet deleted: forget the old sighting.
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { pk: { S: pk }, sk: { S: sk } },
          UpdateExpression: 'SET firstSeen = :at',
          ExpressionAttributeValues: { ':at': { N: String(atMs) } },
        }),
      );
      return undefined;
    }
    if (atMs < oldFirstSeen) {
      // An older record arrived late (replays, delayed delivery): move the first sighting back.
      await this.client
        .send(
          new UpdateItemCommand({
            TableName: this.tableName,
            Key: { pk: { S: pk }, sk: { S: sk } },
            UpdateExpression: 'SET firstSeen = :at',
            ConditionExpression: 'firstSeen > :at',
            ExpressionAttributeValues: { ':at': { N: String(atMs) } },
          }),
        )
        .catch((error: unknown) => {
          if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') throw error;
        });
    }
    return Math.min(oldFirstSeen, atMs);
  }
}

/** Tumbling-window counters: atomic `ADD` on one item per (key, window). */
export class DynamoWindowCounter implements WindowCounter {
  private readonly retainMs: number;

  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    retainSeconds = 2 * 86_400,
  ) {
    this.retainMs = retainSeconds * 1000;
  }

  async add(
    key: string,
    windowStartMs: number,
    windowSeconds: number,
    member?: string,
  ): Promise<number> {
    const expiresAt = seconds(windowStartMs + windowSeconds * 1000 + this.retainMs);
    const result = await this.client.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: { pk: { S: `wc#${keyPart(key)}` }, sk: { S: windowSk(windowStartMs) } },
        UpdateExpression:
          member === undefined
            ? 'ADD n :one SET expiresAt = :exp'
            : 'ADD m :m SET expiresAt = :exp',
        ExpressionAttributeValues: {
          ...(member === undefined ? { ':one': { N: '1' } } : { ':m': { SS: [keyPart(member)] } }),
          ':exp': { N: String(expiresAt) },
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    const item = result.Attributes;
    return member === undefined ? (numberOf(item?.n) ?? 1) : (item?.m?.SS?.length ?? 1);
  }

  async totals(key: string, windowStartsMs: readonly number[]): Promise<number[]> {
    if (windowStartsMs.length === 0) return [];
    const low = Math.min(...windowStartsMs);
    const high = Math.max(...windowStartsMs);
    const found = new Map<string, number>();
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :low AND :high',
          ExpressionAttributeValues: {
            ':pk': { S: `wc#${keyPart(key)}` },
            ':low': { S: windowSk(low) },
            ':high': { S: windowSk(high) },
          },
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) {
        const sk = item.sk?.S;
        if (sk) found.set(sk, numberOf(item.n) ?? item.m?.SS?.length ?? 0);
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return windowStartsMs.map((start) => found.get(windowSk(start)) ?? 0);
  }
}

function windowSk(windowStartMs: number): string {
  return `w#${String(windowStartMs).padStart(15, '0')}`;
}

/**
 * Dedup claims with a conditional put: of any number of concurrent invocations seeing the same
 * (rule, key) inside the window, exactly one gets `true`.
 */
export class DynamoDedupStore implements ReleasableDedupStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async claim(
    ruleId: string,
    dedupKey: string,
    atMs: number,
    windowSeconds: number,
  ): Promise<boolean> {
    const untilMs = atMs + windowSeconds * 1000;
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: {
            pk: { S: dedupPk(ruleId, dedupKey) },
            sk: { S: 'dedup' },
            untilMs: { N: String(untilMs) },
            claimedAtMs: { N: String(atMs) },
            expiresAt: { N: String(seconds(untilMs) + 1) },
          },
          ConditionExpression: 'attribute_not_exists(pk) OR untilMs <= :at',
          ExpressionAttributeValues: { ':at': { N: String(atMs) } },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      if ((error as { name?: string }).name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }

  /** Gives a claim back, e.g. when the alert it guarded could not be delivered. */
  async release(ruleId: string, dedupKey: string): Promise<void> {
    await this.client.send(
      new DeleteItemCommand({
        TableName: this.tableName,
        Key: { pk: { S: dedupPk(ruleId, dedupKey) }, sk: { S: 'dedup' } },
      }),
    );
  }
}

function dedupPk(ruleId: string, dedupKey: string): string {
  return `dd#${keyPart(ruleId)}#${keyPart(dedupKey)}`;
}

/**
 * Last known resource states: a Query (consistent) reads the item, the new history is written
 * with a conditional put on the version read, and a lost race reads again. Under the
 * baselines' `bl#` prefix: the detect role's grant covers it, and the table's policy keeps
 * every other writer out (resources/state.yml).
 */
export class DynamoLastStateStore implements LastStateStore {
  private readonly retentionMs: number;

  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    retentionDays = 400,
  ) {
    this.retentionMs = retentionDays * 86_400_000;
  }

  async record(
    kind: string,
    subject: string,
    atMs: number,
    eventId: string,
    next: (previous: StateVersion | undefined) => string | null | undefined,
  ): Promise<StateVersion | undefined> {
    const pk = `bl#last#${keyPart(kind)}#${keyPart(subject)}`;
    for (let attempt = 0; ; attempt++) {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND sk = :sk',
          ExpressionAttributeValues: { ':pk': { S: pk }, ':sk': { S: 'last' } },
          ConsistentRead: true,
        }),
      );
      const item = page.Items?.[0];
      const version = numberOf(item?.v) ?? 0;
      const history = parseHistory(item?.h?.S);
      const inserted = insertVersion(history, atMs, eventId, next);
      if (inserted.history === undefined) return inserted.previous;
      const newest = inserted.history.at(-1)?.atMs ?? atMs;
      try {
        await this.client.send(
          new PutItemCommand({
            TableName: this.tableName,
            Item: {
              pk: { S: pk },
              sk: { S: 'last' },
              h: { S: JSON.stringify(inserted.history) },
              v: { N: String(version + 1) },
              expiresAt: { N: String(seconds(newest + this.retentionMs)) },
            },
            ConditionExpression: version === 0 ? 'attribute_not_exists(pk)' : 'v = :v',
            ...(version === 0
              ? {}
              : { ExpressionAttributeValues: { ':v': { N: String(version) } } }),
          }),
        );
        return inserted.previous;
      } catch (error) {
        const lost = (error as { name?: string }).name === 'ConditionalCheckFailedException';
        if (!lost || attempt >= 9) throw error;
      }
    }
  }
}

/** A stored history, or empty when absent or unreadable (never trusted beyond its shape). */
function parseHistory(text: string | undefined): StateVersion[] {
  if (text === undefined) return [];
  try {
    const parsed: unknown = JSON.parse(text);
    if (!Array.isArray(parsed)) return [];
    return parsed.filter(
      (v): v is StateVersion =>
        typeof v === 'object' &&
        v !== null &&
        typeof (v as StateVersion).atMs === 'number' &&
        typeof (v as StateVersion).eventId === 'string' &&
        (typeof (v as StateVersion).state === 'string' || (v as StateVersion).state === null),
    );
  } catch {
    return [];
  }
}

const DELIVERY_FIELDS: Record<DeliveryKind, string> = {
  event: 'lastEventMs',
  heartbeat: 'lastHeartbeatMs',
};

/**
 * When each member account and region last delivered an event and a heartbeat
 * (lib/detection/delivery.ts). One item per account and region, keyed by the envelope's account
 * (AWS's, never the record's): a member's events only ever touch its own item. Each write is a
 * conditional update that moves a time forward only, so duplicates and late events change
 * nothing. Under the baselines' `bl#` prefix: only detect (and the admin role) may write it
 * (resources/state.yml), and `doctor --org` reads it with a Query on `bl#delivery#*` alone.
 */
export class DynamoDeliveryStore implements DeliveryStore {
  private readonly retentionMs: number;

  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    retentionDays = 90,
  ) {
    this.retentionMs = retentionDays * 86_400_000;
  }

  async record(account: string, region: string, kind: DeliveryKind, atMs: number): Promise<void> {
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { pk: { S: deliveryPk(account) }, sk: { S: `r#${keyPart(region)}` } },
          UpdateExpression: 'SET #f = :at, expiresAt = :exp',
          ConditionExpression: 'attribute_not_exists(#f) OR #f < :at',
          ExpressionAttributeNames: { '#f': DELIVERY_FIELDS[kind] },
          ExpressionAttributeValues: {
            ':at': { N: String(atMs) },
            ':exp': { N: String(seconds(atMs + this.retentionMs)) },
          },
        }),
      );
    } catch (error) {
      // A later time is already there: nothing to do.
      if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') throw error;
    }
  }

  async entries(account: string): Promise<DeliveryEntry[]> {
    const found: DeliveryEntry[] = [];
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :r)',
          ExpressionAttributeValues: { ':pk': { S: deliveryPk(account) }, ':r': { S: 'r#' } },
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) {
        const region = item.sk?.S?.slice(2);
        if (!region) continue;
        const lastEventMs = numberOf(item.lastEventMs);
        const lastHeartbeatMs = numberOf(item.lastHeartbeatMs);
        found.push({
          account,
          region,
          ...(lastEventMs === undefined || !Number.isFinite(lastEventMs) ? {} : { lastEventMs }),
          ...(lastHeartbeatMs === undefined || !Number.isFinite(lastHeartbeatMs)
            ? {}
            : { lastHeartbeatMs }),
        });
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return found.sort((a, b) => a.region.localeCompare(b.region));
  }
}

function deliveryPk(account: string): string {
  return `bl#delivery#${keyPart(account)}`;
}

/** The three stores on one table, and the burst store beside them, sharing one client. */
export function dynamoDetectionState(options: DynamoStateOptions): DetectionState & {
  dedup: ReleasableDedupStore;
  bursts: DynamoBurstStore;
  lastStates: DynamoLastStateStore;
  delivery: DynamoDeliveryStore;
} {
  const client = options.client ?? new DynamoDBClient(clientConfig());
  return {
    baselines: new DynamoBaselineStore(client, options.tableName, options),
    counters: new DynamoWindowCounter(client, options.tableName, options.counterRetentionSeconds),
    dedup: new DynamoDedupStore(client, options.tableName),
    lastStates: new DynamoLastStateStore(client, options.tableName),
    delivery: new DynamoDeliveryStore(client, options.tableName),
    bursts: new DynamoBurstStore({ tableName: options.tableName, client }),
  };
}
