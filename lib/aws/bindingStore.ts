import {
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import type { Binding, BindingWriter, VersionRecord } from '../rotation/binding.js';
import { ItemIntegrityError, RotationError } from '../rotation/errors.js';
import { macMessage, type ItemKey, type ItemKind, type ItemMacs } from '../rotation/itemMac.js';
import { ENV } from '../shared/env.js';
import { clientConfig } from './clients.js';
import { KmsItemMac } from './kmsItemMac.js';

/**
 * Bindings and the rotation ledger in the gatewarden state table (`pk`/`sk`):
 * - `rotation-binding#<secret ARN>` / `binding` (and the issuer-client claims,
 *   `rotation-binding#issuer#<client>` / `claims`) — written by `gatewarden register` only;
 * - `rotation-ledger#<secret ARN>` / `version#<version id>` — written by the rotator (and by
 *   `register` for the first version).
 * Both hold non-secret JSON (URLs, ids, names), never a credential value. Every item is MACed
 * over its kind, keys and whole body (./../rotation/itemMac.ts): bindings with the binding key
 * (only the admin creates MACs), ledger records with the ledger key (the rotator and the admin).
 * Every read checks the MAC: an unsigned, altered or forged item is refused with
 * {@link ItemIntegrityError}, so a principal that can write the table cannot steer the rotator.
 */
export const BINDING_PK = 'rotation-binding#';
export const LEDGER_PK = 'rotation-ledger#';

export class DynamoDbBindingStore implements BindingWriter {
  constructor(
    private readonly tableName: string,
    private readonly macs: ItemMacs,
    private readonly dynamo: DynamoDBClient = new DynamoDBClient(clientConfig()),
  ) {}

  async binding(secretArn: string): Promise<Binding | undefined> {
    return this.get<Binding>('binding', { pk: `${BINDING_PK}${secretArn}`, sk: 'binding' });
  }

  async versionRecord(secretArn: string, versionId: string): Promise<VersionRecord | undefined> {
    return this.get<VersionRecord>('ledger', ledgerKey(secretArn, versionId));
  }

  async recordVersion(secretArn: string, record: VersionRecord): Promise<void> {
    await this.put('ledger', ledgerKey(secretArn, record.versionId), record);
  }

  async versionRecords(secretArn: string): Promise<VersionRecord[]> {
    const records: VersionRecord[] = [];
    for (const item of await this.ledgerItems(secretArn)) {
      const record = await this.verified<VersionRecord>('ledger', keyOf(item), item);
      if (record) records.push(record);
    }
    return records;
  }

  async issuerClaims(key: string): Promise<string[]> {
    return (
      (await this.get<string[]>('binding', { pk: `${BINDING_PK}issuer#${key}`, sk: 'claims' })) ??
      []
    );
  }

  async putIssuerClaims(key: string, secretNames: string[]): Promise<void> {
    await this.put('binding', { pk: `${BINDING_PK}issuer#${key}`, sk: 'claims' }, secretNames);
  }

  async putBinding(binding: Binding): Promise<void> {
    await this.put('binding', { pk: `${BINDING_PK}${binding.secretArn}`, sk: 'binding' }, binding);
  }

  async unverifiedVersionRecords(secretArn: string): Promise<string[]> {
    const ids: string[] = [];
    for (const item of await this.ledgerItems(secretArn)) {
      const key = keyOf(item);
      try {
        await this.verified('ledger', key, item);
      } catch (error) {
        if (!(error instanceof ItemIntegrityError)) throw error;
        ids.push(key.sk.replace(/^version#/, ''));
      }
    }
    return ids;
  }

  async dropVersionRecord(secretArn: string, versionId: string): Promise<void> {
    const key = ledgerKey(secretArn, versionId);
    await this.dynamo.send(
      new DeleteItemCommand({
        TableName: this.tableName,
        Key: { pk: { S: key.pk }, sk: { S: key.sk } },
      }),
    );
  }

  private async ledgerItems(secretArn: string): Promise<Record<string, AttributeValue>[]> {
    const items: Record<string, AttributeValue>[] = [];
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
      items.push(...(out.Items ?? []));
      start = out.LastEvaluatedKey;
    } while (start);
    return items;
  }

  private async get<T>(kind: ItemKind, key: ItemKey): Promise<T | undefined> {
    const out = await this.dynamo.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: { pk: { S: key.pk }, sk: { S: key.sk } },
        ConsistentRead: true,
      }),
    );
    return this.verified<T>(kind, key, out.Item);
  }

  /** The item's body once its MAC checks out; undefined when there is no item. */
  private async verified<T>(
    kind: ItemKind,
    key: ItemKey,
    item: Record<string, AttributeValue> | undefined,
  ): Promise<T | undefined> {
    if (!item) return undefined;
    const mac = item.mac?.S;
    if (!mac) throw integrityError(kind, key, this.tableName, 'unsigned');
    let body: T | undefined;
    try {
      body = parseBody<T>(item.body?.S, this.tableName, key.sk);
    } catch {
      // gatewarden writes JSON only: a MACed item that is not JSON was not written by it.
      body = undefined;
    }
    if (body === undefined || !(await this.macs[kind].verify(macMessage(kind, key, body), mac)))
      throw integrityError(kind, key, this.tableName, 'invalid');
    return body;
  }

  private async put(kind: ItemKind, key: ItemKey, body: unknown): Promise<void> {
    const text = JSON.stringify(body);
    // MACed as it will be read back: what JSON drops (undefined members) is not signed either.
    const mac = await this.macs[kind].generate(macMessage(kind, key, JSON.parse(text)));
    const item: Record<string, AttributeValue> = {
      pk: { S: key.pk },
      sk: { S: key.sk },
      body: { S: text },
      mac: { S: mac },
    };
    await this.dynamo.send(new PutItemCommand({ TableName: this.tableName, Item: item }));
  }
}

/**
 * The state table's store as configured in the environment: the table and both MAC keys
 * (`GATEWARDEN_BINDING_MAC_KEY`, `GATEWARDEN_LEDGER_MAC_KEY`). Without a table, or without a
 * key, it fails closed: nothing rotates unchecked.
 */
export function bindingStoreFromEnv(env: NodeJS.ProcessEnv = process.env): BindingWriter {
  const table = env[ENV.stateTable];
  if (!table) return new MissingBindingStore(noTable);
  const bindingKey = env[ENV.bindingMacKey];
  const ledgerKey = env[ENV.ledgerMacKey];
  if (!bindingKey || !ledgerKey) return new MissingBindingStore(noKeys);
  return new DynamoDbBindingStore(table, {
    binding: new KmsItemMac(bindingKey),
    ledger: new KmsItemMac(ledgerKey),
  });
}

/** Fails closed when no state table (or no MAC key) is configured. */
export class MissingBindingStore implements BindingWriter {
  constructor(private readonly why: () => RotationError = noTable) {}
  binding(): Promise<Binding | undefined> {
    return Promise.reject(this.why());
  }
  versionRecord(): Promise<VersionRecord | undefined> {
    return Promise.reject(this.why());
  }
  recordVersion(): Promise<void> {
    return Promise.reject(this.why());
  }
  versionRecords(): Promise<VersionRecord[]> {
    return Promise.reject(this.why());
  }
  issuerClaims(): Promise<string[]> {
    return Promise.reject(this.why());
  }
  putIssuerClaims(): Promise<void> {
    return Promise.reject(this.why());
  }
  putBinding(): Promise<void> {
    return Promise.reject(this.why());
  }
  unverifiedVersionRecords(): Promise<string[]> {
    return Promise.reject(this.why());
  }
  dropVersionRecord(): Promise<void> {
    return Promise.reject(this.why());
  }
}

function noTable(): RotationError {
  return new RotationError(
    `no state table is configured (${ENV.stateTable}): rotation checks every secret against its registration binding there`,
  );
}

function noKeys(): RotationError {
  return new RotationError(
    `the state table's MAC keys are not configured (${ENV.bindingMacKey}, ${ENV.ledgerMacKey}; stack outputs BindingMacKeyArn, LedgerMacKeyArn): bindings and ledger records are checked with them`,
  );
}

function ledgerKey(secretArn: string, versionId: string): ItemKey {
  return { pk: `${LEDGER_PK}${secretArn}`, sk: `version#${versionId}` };
}

function keyOf(item: Record<string, AttributeValue>): ItemKey {
  return { pk: item.pk?.S ?? '', sk: item.sk?.S ?? '' };
}

const KIND_NAME: Record<ItemKind, string> = {
  binding: 'registration binding',
  ledger: 'rotation ledger record',
};

/** Names the item (kind, secret, version) and what is wrong with it — never a value. */
function integrityError(
  kind: ItemKind,
  key: ItemKey,
  table: string,
  problem: 'unsigned' | 'invalid',
): ItemIntegrityError {
  const secretArn = key.pk.replace(/^rotation-(binding|ledger)#/, '');
  const claims = key.sk === 'claims';
  const what = claims
    ? 'issuer-client claim record'
    : `${KIND_NAME[kind]}${kind === 'ledger' ? ` ${key.sk}` : ''} of ${secretArn}`;
  const fix = claims
    ? 'register the secret again with --share-issuer-client as the admin to sign it anew'
    : `run \`gatewarden register update --secret ${secretArn}\` as the admin to re-pin and sign it`;
  const message =
    problem === 'unsigned'
      ? `the ${what} is not signed (written before signing, or not by gatewarden): ${fix}`
      : `the ${what} failed its integrity check: it was not written by ${kind === 'binding' ? 'the admin' : 'the rotator'} (forged or altered); find out who wrote it, then ${fix}`;
  return new ItemIntegrityError(message, {
    context: {
      table,
      kind,
      sk: key.sk,
      ...(claims ? {} : { secretArn }),
      fields: kind,
      unsigned: problem === 'unsigned',
    },
  });
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
