import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { LeaseHolder, RotationLock } from '../rotation/lock.js';
import { clientConfig } from './clients.js';

/**
 * Rotation leases in the gatewarden state table (`pk`/`sk`, TTL attribute `expiresAt`): item
 * `rotation-lock#<secret ARN>` / `lease`. A conditional put takes a free or expired lease; the
 * table's TTL removes leases of crashed holders eventually, and the condition does not wait
 * for it.
 */
export class DynamoDbRotationLock implements RotationLock {
  constructor(
    private readonly tableName: string,
    private readonly dynamo: DynamoDBClient = new DynamoDBClient(clientConfig()),
    private readonly now: () => number = Date.now,
  ) {}

  async acquire(
    secretArn: string,
    owner: string,
    ttlSeconds: number,
    options: { force?: boolean } = {},
  ): Promise<boolean> {
    const nowSeconds = Math.floor(this.now() / 1000);
    try {
      await this.dynamo.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: {
            pk: { S: `rotation-lock#${secretArn}` },
            sk: { S: 'lease' },
            owner: { S: owner },
            expiresAt: { N: String(nowSeconds + ttlSeconds) },
          },
          ...(options.force
            ? {}
            : {
                ConditionExpression:
                  'attribute_not_exists(pk) OR expiresAt < :now OR #owner = :owner',
                ExpressionAttributeNames: { '#owner': 'owner' },
                ExpressionAttributeValues: {
                  ':now': { N: String(nowSeconds) },
                  ':owner': { S: owner },
                },
              }),
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async holder(secretArn: string): Promise<LeaseHolder | undefined> {
    const out = await this.dynamo.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: { pk: { S: `rotation-lock#${secretArn}` }, sk: { S: 'lease' } },
        ConsistentRead: true,
      }),
    );
    const owner = out.Item?.owner?.S;
    const until = Number(out.Item?.expiresAt?.N ?? 0) * 1000;
    return owner && until > this.now() ? { owner, until } : undefined;
  }

  async release(secretArn: string, owner: string): Promise<void> {
    try {
      await this.dynamo.send(
        new DeleteItemCommand({
          TableName: this.tableName,
          Key: { pk: { S: `rotation-lock#${secretArn}` }, sk: { S: 'lease' } },
          ConditionExpression: '#owner = :owner',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':owner': { S: owner } },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return; // someone else's lease now
      throw error;
    }
  }
}
