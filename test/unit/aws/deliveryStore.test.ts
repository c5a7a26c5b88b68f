import type { QueryCommand } from '@aws-sdk/client-dynamodb';
import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { DynamoDeliveryStore } from '../../../lib/aws/detectionState.js';

/**
 * The delivery items' keys and their one conditional update (lib/aws/detectionState.ts). A
 * stand-in client records the commands: the keys and conditions are what this checks; the
 * conditional update's behaviour on DynamoDB is exercised against the local stack in
 * test/integration/organization/delivery.test.ts.
 */

function recordingClient(answer: (command: unknown) => unknown = () => ({})) {
  const sent: unknown[] = [];
  const client = {
    send: (command: unknown) => {
      sent.push(command);
      try {
        return Promise.resolve(answer(command));
      } catch (error) {
        return Promise.reject(error as Error);
      }
    },
  } as unknown as DynamoDBClient;
  return { client, sent };
}

describe('DynamoDeliveryStore', () => {
  it("keys an account's items by the account alone, one per region, under the detect-owned bl# prefix", async () => {
    // Prepare
    const { client, sent } = recordingClient();
    const store = new DynamoDeliveryStore(client, 'gatewarden-prod-state');

    // Act
    await store.record('222233334444', 'eu-west-1', 'heartbeat', 1_700_000_000_000);

    // Assess: a time moves forward only, in one conditional update.
    const update = sent[0] as UpdateItemCommand;
    expect(update).toBeInstanceOf(UpdateItemCommand);
    expect(update.input).toMatchObject({
      TableName: 'gatewarden-prod-state',
      Key: { pk: { S: 'bl#delivery#222233334444' }, sk: { S: 'r#eu-west-1' } },
      ConditionExpression: 'attribute_not_exists(#f) OR #f < :at',
      ExpressionAttributeNames: { '#f': 'lastHeartbeatMs' },
      ExpressionAttributeValues: { ':at': { N: '1700000000000' } },
    });
  });

  it('an older or equal time (its condition failing) is no error', async () => {
    const { client } = recordingClient(() => {
      throw new ConditionalCheckFailedException({ message: 'failed', $metadata: {} });
    });
    await expect(
      new DynamoDeliveryStore(client, 't').record('222233334444', 'eu-west-1', 'event', 1),
    ).resolves.toBeUndefined();
  });

  it('any other failure is thrown (detect retries a heartbeat)', async () => {
    const { client } = recordingClient(() => {
      throw Object.assign(new Error('throttled'), { name: 'ThrottlingException' });
    });
    await expect(
      new DynamoDeliveryStore(client, 't').record('222233334444', 'eu-west-1', 'event', 1),
    ).rejects.toThrow('throttled');
  });

  it("reads one account's regions with one Query on its own partition key", async () => {
    // Prepare
    const { client, sent } = recordingClient(() => ({
      Items: [
        {
          pk: { S: 'bl#delivery#222233334444' },
          sk: { S: 'r#us-east-1' },
          lastHeartbeatMs: { N: '5' },
        },
        {
          pk: { S: 'bl#delivery#222233334444' },
          sk: { S: 'r#eu-west-1' },
          lastEventMs: { N: '7' },
          lastHeartbeatMs: { N: 'not a number' },
        },
      ],
    }));

    // Act
    const entries = await new DynamoDeliveryStore(client, 't').entries('222233334444');

    // Assess
    expect((sent[0] as QueryCommand).input).toMatchObject({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :r)',
      ExpressionAttributeValues: { ':pk': { S: 'bl#delivery#222233334444' }, ':r': { S: 'r#' } },
    });
    expect(entries).toEqual([
      { account: '222233334444', region: 'eu-west-1', lastEventMs: 7 },
      { account: '222233334444', region: 'us-east-1', lastHeartbeatMs: 5 },
    ]);
  });
});
