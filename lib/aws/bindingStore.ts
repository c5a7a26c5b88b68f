import {
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import type { Binding, BindingWriter, VersionRecord } from '../rotation/binding.js';
import { RotationError } from '../rotation/errors.js';
import { clientConfig } from './clients.js';

/**
 * Bindings and the rotation ledger in the gatewarden state table (`pk`/`sk`):
 * - `rotation-binding#<secret ARN>` / `binding` — written by `gatewarden register` only; the
 *   rotate role may read it, never write it (IAM `dynamodb:LeadingKeys`);
 * - `rotation-ledger#<secret ARN>` / `version#<version id>` — written by the rotator.
 * Both hold non-secret JSON (URLs, ids, names), never a credential value.
 */
export const BINDING_PK = 'rotation-binding#';
export const LEDGER_PK = 'rotation-ledger#';

export class DynamoDbBindingStore implements BindingWriter {
  constructor(
    private readonly tableName: string,
    private readonly dynamo: DynamoDBClient = new DynamoDBClient(clientConfig()),
  ) {}

  async binding(secretArn: string): Promise<Binding | undefined> {
    return this.get<Binding>({ pk: `${BINDING_PK}${secretArn}`, sk: 'binding' });
  }

  async versionRecord(secretArn: string, versionId: string): Promise<VersionRecord | undefined> {
    return this.get<VersionRecord>({ pk: `${LEDGER_PK}${secretArn}`, sk: `version#${versionId}` });
  }

  async recordVersion(secretArn: string, record: VersionRecord): Promise<void> {
    await this.put({ pk: `${LEDGER_PK}${secretArn}`, sk: `version#${record.versionId}` }, record);
  }

  async versionRecords(secretArn: string): Promise<VersionRecord[]> {
    const records: VersionRecord[] = [];
    let start: Record<string, AttributeValue> | undefined;
    do {
      const out = await this.dynamo.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': { S: `${LEDGER_PK}${secretArn}` } },
          ConsistentRead: true,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      for (const item of out.Items ?? []) {
        const record = parseBody<VersionRecord>(item.body?.S, this.tableName, item.sk?.S ?? '');
        if (record) records.push(record);
      }
      start = out.LastEvaluatedKey;
    } while (start);
    return records;
  }

  async issuerClaims(key: string): Promise<string[]> {
    return (await this.get<string[]>({ pk: `${BINDING_PK}issuer#${key}`, sk: 'claims' })) ?? [];
  }

  async putIssuerClaims(key: string, secretNames: string[]): Promise<void> {
    await this.put({ pk: `${BINDING_PK}issuer#${key}`, sk: 'claims' }, secretNames);
  }

  async putBinding(binding: Binding): Promise<void> {
    await this.put({ pk: `${BINDING_PK}${binding.secretArn}`, sk: 'binding' }, binding);
  }

  private async get<T>(key: { pk: string; sk: string }): Promise<T | undefined> {
    const out = await this.dynamo.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: { pk: { S: key.pk }, sk: { S: key.sk } },
        ConsistentRead: true,
      }),
    );
    return parseBody<T>(out.Item?.body?.S, this.tableName, key.sk);
  }

  private async put(key: { pk: string; sk: string }, body: unknown): Promise<void> {
    const item: Record<string, AttributeValue> = {
      pk: { S: key.pk },
      sk: { S: key.sk },
      body: { S: JSON.stringify(body) },
    };
    await this.dynamo.send(new PutItemCommand({ TableName: this.tableName, Item: item }));
  }
}

/** Fails closed when no state table is configured: nothing rotates without its binding. */
export class MissingBindingStore implements BindingWriter {
  binding(): Promise<Binding | undefined> {
    return Promise.reject(noTable());
  }
  versionRecord(): Promise<VersionRecord | undefined> {
    return Promise.reject(noTable());
  }
  recordVersion(): Promise<void> {
    return Promise.reject(noTable());
  }
  versionRecords(): Promise<VersionRecord[]> {
    return Promise.reject(noTable());
  }
  issuerClaims(): Promise<string[]> {
    return Promise.reject(noTable());
  }
  putIssuerClaims(): Promise<void> {
    return Promise.reject(noTable());
  }
  putBinding(): Promise<void> {
    return Promise.reject(noTable());
  }
}

function noTable(): RotationError {
  return new RotationError(
    'no state table is configured (GATEWARDEN_STATE_TABLE): rotation checks every secret against its registration binding there',
  );
}

/** A stored record's JSON; a parse error never quotes the text (records hold ids, still). */
function parseBody<T>(body: string | undefined, table: string, sk: string): T | undefined {
  if (body === undefined) return undefined;
  try {
    return JSON.parse(body) as T;
  } catch {
    throw new RotationError('a binding record in the state table is not JSON', {
      context: { table, sk },
    });
  }
}
