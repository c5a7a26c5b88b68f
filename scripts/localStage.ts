/**
 * Creates, on the local stack, the resources the `local` stage of serverless.yml points the
 * functions at, so that sample events run end to end with
 *
 *   eval "$(npx gatewarden local start)"
 *   npx tsx scripts/localStage.ts
 *   npx serverless invoke local --stage local -f detect -p events/detect.updateGateway.json
 *
 * Idempotent: existing resources are kept. Refuses to run without AWS_ENDPOINT_URL, so it can
 * never create anything in a real account. Prints resource names only.
 */
import {
  CreateTableCommand,
  DynamoDBClient,
  ResourceInUseException,
  type CreateTableCommandInput,
} from '@aws-sdk/client-dynamodb';
import {
  CreateEventBusCommand,
  EventBridgeClient,
  ResourceAlreadyExistsException,
} from '@aws-sdk/client-eventbridge';
import {
  BucketAlreadyOwnedByYou,
  CreateBucketCommand,
  S3Client,
  type BucketLocationConstraint,
} from '@aws-sdk/client-s3';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { clientConfig, s3PathStyle } from '../lib/aws/clients.js';

/** Names used by `params.local` in serverless.yml; keep both in step. */
export const LOCAL_STAGE = {
  stateTable: 'gatewarden-local-state',
  alertTopic: 'gatewarden-local-alerts',
  eventBus: 'gatewarden-local',
  deadLetterQueue: 'gatewarden-local-dlq',
  reportBucket: 'gatewarden-local-reports',
} as const;

/** The state table's shape as deployed: string keys `pk` (hash) and `sk` (range). */
export function stateTableInput(tableName: string): CreateTableCommandInput {
  return {
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
  };
}

async function ignoring<T>(exists: (error: unknown) => boolean, call: () => Promise<T>) {
  try {
    await call();
  } catch (error) {
    if (!exists(error)) throw error;
  }
}

/** Creates the local stage's table, topic, bus, queue and bucket if they are missing. */
export async function createLocalStage(): Promise<void> {
  if (!process.env.AWS_ENDPOINT_URL) {
    throw new Error(
      'AWS_ENDPOINT_URL is not set: run eval "$(npx gatewarden local start)" first ' +
        '(this script only targets the local stack)',
    );
  }
  const config = { ...clientConfig({ maxAttempts: 2 }) };
  await ignoring(
    (e) => e instanceof ResourceInUseException,
    () =>
      new DynamoDBClient(config).send(
        new CreateTableCommand(stateTableInput(LOCAL_STAGE.stateTable)),
      ),
  );
  // CreateTopic and CreateQueue are idempotent for the same name and attributes.
  await new SNSClient(config).send(new CreateTopicCommand({ Name: LOCAL_STAGE.alertTopic }));
  await new SQSClient(config).send(
    new CreateQueueCommand({ QueueName: LOCAL_STAGE.deadLetterQueue }),
  );
  await ignoring(
    (e) => e instanceof ResourceAlreadyExistsException,
    () =>
      new EventBridgeClient(config).send(new CreateEventBusCommand({ Name: LOCAL_STAGE.eventBus })),
  );
  const region = config.region ?? 'us-east-1';
  await ignoring(
    (e) => e instanceof BucketAlreadyOwnedByYou,
    () =>
      new S3Client({ ...config, forcePathStyle: s3PathStyle() }).send(
        new CreateBucketCommand({
          Bucket: LOCAL_STAGE.reportBucket,
          ...(region === 'us-east-1'
            ? {}
            : {
                CreateBucketConfiguration: {
                  LocationConstraint: region as BucketLocationConstraint,
                },
              }),
        }),
      ),
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  createLocalStage().then(
    () => console.log(`local stage ready: ${Object.values(LOCAL_STAGE).join(', ')}`),
    (error: unknown) => {
      console.error(
        `local stage failed: ${error instanceof Error ? error.message : String(error)}`,
      );
      process.exit(1);
    },
  );
}
