/** In-memory trail of the local stack: every management call through the front, newest last. */
import { randomUUID } from 'node:crypto';
import { StandinError } from '../http.js';
import { cloudTrailTime, isReadOnly, type TrailRecord } from './record.js';

export class TrailStore {
  private readonly records: TrailRecord[] = [];
  private readonly pending = new Set<Promise<unknown>>();

  constructor(private readonly capacity = 100_000) {}

  add(record: TrailRecord): void {
    this.records.push(record);
    if (this.records.length > this.capacity)
      this.records.splice(0, this.records.length - this.capacity);
  }

  /** Keeps track of a record still being built, so a lookup right after a call sees it. */
  track(work: Promise<unknown>): void {
    this.pending.add(work);
    void work.finally(() => this.pending.delete(work));
  }

  /** Waits for records still being built. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.pending]);
  }

  all(): readonly TrailRecord[] {
    return this.records;
  }
}

/**
 * Validates seeded records (a CloudTrail log file `{ "Records": [...] }` or a bare array) and
 * completes missing bookkeeping fields. All or nothing: one bad record rejects the batch.
 */
export function normaliseSeed(body: unknown, defaultRegion: string): TrailRecord[] {
  const list: unknown = Array.isArray(body)
    ? body
    : (body as { Records?: unknown } | null)?.Records;
  if (!Array.isArray(list)) {
    throw new StandinError(
      400,
      'ValidationException',
      'expected {"Records": [...]} or an array of records',
    );
  }
  return list.map((item, index): TrailRecord => {
    const where = `Records[${index}]`;
    if (!item || typeof item !== 'object' || Array.isArray(item)) {
      throw new StandinError(400, 'ValidationException', `${where} is not an object`);
    }
    const record = item as Record<string, unknown>;
    for (const field of ['eventTime', 'eventName', 'eventSource'] as const) {
      if (typeof record[field] !== 'string' || record[field] === '') {
        throw new StandinError(
          400,
          'ValidationException',
          `${where}.${field} must be a non-empty string`,
        );
      }
    }
    const time = new Date(record.eventTime as string);
    if (Number.isNaN(time.getTime())) {
      throw new StandinError(400, 'ValidationException', `${where}.eventTime is not a valid time`);
    }
    const identity = record.userIdentity;
    return {
      eventVersion: '1.11',
      requestParameters: null,
      responseElements: null,
      awsRegion: defaultRegion,
      sourceIPAddress: '127.0.0.1',
      userAgent: 'gatewarden-seed',
      requestID: randomUUID(),
      eventID: randomUUID(),
      readOnly: isReadOnly(record.eventName as string),
      eventType: 'AwsApiCall',
      managementEvent: true,
      recipientAccountId:
        (identity as { accountId?: string } | undefined)?.accountId ?? '123456789012',
      eventCategory: 'Management',
      ...record,
      userIdentity:
        identity && typeof identity === 'object'
          ? (identity as TrailRecord['userIdentity'])
          : { type: 'Unknown' },
      eventTime: cloudTrailTime(time),
    } as TrailRecord;
  });
}
