import { randomBytes } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateTableCommand,
  DeleteTableCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';

/**
 * Helpers for the detection integration tests: every resource gets a unique name, so the
 * shared local stack never needs a reset and parallel runs do not collide.
 */
export function requireLocalStack(): void {
  if (!process.env.AWS_ENDPOINT_URL) {
    throw new Error(
      'AWS_ENDPOINT_URL is not set: run through the integration project (jest global setup starts the local stack) or eval "$(npx gatewarden local start)"',
    );
  }
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

/** Test clients fail fast: the local stack answers unimplemented operations with HTTP 500. */
export const testClientConfig = { maxAttempts: 1 } as const;

/** Creates a state table shaped like the deployed one (pk/sk strings, TTL `expiresAt`). */
export async function createStateTable(client: DynamoDBClient): Promise<string> {
  const tableName = uniqueName('gw-state');
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
    }),
  );
  await waitUntilTableExists({ client, maxWaitTime: 30 }, { TableName: tableName });
  return tableName;
}

export async function deleteTable(client: DynamoDBClient, tableName: string): Promise<void> {
  await client.send(new DeleteTableCommand({ TableName: tableName })).catch(() => undefined);
}
