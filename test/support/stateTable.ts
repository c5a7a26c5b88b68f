/** The detection and rotation state table for integration tests, shaped like the deployed one. */
import {
  CreateTableCommand,
  DeleteTableCommand,
  waitUntilTableExists,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { stateTableInput } from '../../scripts/localStage.js';
import { uniqueName } from './localStack.js';

/** Creates a state table shaped like the deployed one (pk/sk strings, TTL `expiresAt`). */
export async function createStateTable(client: DynamoDBClient): Promise<string> {
  const tableName = uniqueName('gw-state');
  await client.send(new CreateTableCommand(stateTableInput(tableName)));
  await waitUntilTableExists({ client, maxWaitTime: 30 }, { TableName: tableName });
  return tableName;
}

export async function deleteTable(client: DynamoDBClient, tableName: string): Promise<void> {
  await client.send(new DeleteTableCommand({ TableName: tableName })).catch(() => undefined);
}
