/**
 * Creates, on the local stack, the resources the `local` stage of serverless.yml points the
 * functions at, and what a deployment adds around them, so that sample events run end to end
 * and `gatewarden doctor` finds a deployed stage:
 * - the state table, alert topic, bus, dead-letter queue and report bucket;
 * - the detect rules of resources/detect-rules.yml on the default bus, with their patterns and
 *   states, aimed at a queue (moto cannot invoke a function from a rule);
 * - a trail logging all management events; the stand-in rotate function.
 *
 * `npm run invoke:local` runs this before `serverless invoke local` (scripts/invokeLocal.ts).
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
import {
  CloudTrailClient,
  CreateTrailCommand,
  PutEventSelectorsCommand,
  StartLoggingCommand,
  TrailAlreadyExistsException,
} from '@aws-sdk/client-cloudtrail';
import { PutRuleCommand, PutTargetsCommand, type RuleState } from '@aws-sdk/client-eventbridge';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { clientConfig, s3PathStyle } from '../lib/aws/clients.js';

const ROOT = resolve(import.meta.dirname, '..');

export interface DeployedDetectRule {
  /** Rule name for the stage, e.g. `gatewarden-local-detect-agentcore`. */
  name: string;
  state: string;
  pattern: Record<string, unknown>;
}

/**
 * The detect rules a deployment creates, read from the files serverless.yml builds them from
 * (resources/detect-rules.yml names and conditions, resources/detect-patterns.yml patterns and
 * states), with the default params: GetSecretValue routed for gateway secrets only.
 */
export function deployedDetectRules(stage: string): DeployedDetectRule[] {
  const yaml = createRequire(import.meta.url)('js-yaml') as { load(text: string): unknown };
  const patterns = yaml.load(
    readFileSync(join(ROOT, 'resources', 'detect-patterns.yml'), 'utf8'),
  ) as Record<string, { state: string; pattern: Record<string, unknown> }>;
  const template = readFileSync(join(ROOT, 'resources', 'detect-rules.yml'), 'utf8');
  const rules: DeployedDetectRule[] = [];
  for (const block of template.split(/\n {2}(?=\w+:\n {4}Type: )/)) {
    if (!/Type: AWS::Events::Rule/.test(block)) continue;
    if (/\n {4}Condition: AllSecretReads\b/.test(block)) continue;
    const name = /Name: gatewarden-\$\{sls:stage\}-(detect-[\w-]+)/.exec(block)?.[1];
    const key = /State: \$\{file\(resources\/detect-patterns\.yml\):(\w+)\.state\}/.exec(
      block,
    )?.[1];
    const entry = key ? patterns[key] : undefined;
    if (!name || !entry) continue;
    rules.push({ name: `gatewarden-${stage}-${name}`, state: entry.state, pattern: entry.pattern });
  }
  return rules;
}

/** Names used by `params.local` in serverless.yml; keep both in step. */
export const LOCAL_STAGE = {
  stateTable: 'gatewarden-local-state',
  alertTopic: 'gatewarden-local-alerts',
  eventBus: 'gatewarden-local',
  deadLetterQueue: 'gatewarden-local-dlq',
  reportBucket: 'gatewarden-local-reports',
  trail: 'gatewarden-local-trail',
  trailBucket: 'gatewarden-local-trail-logs',
  /** Where the local detect rules deliver (moto cannot invoke a function from a rule). */
  detectQueue: 'gatewarden-local-detect-events',
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
  for (const bucket of [LOCAL_STAGE.reportBucket, LOCAL_STAGE.trailBucket]) {
    await ignoring(
      (e) => e instanceof BucketAlreadyOwnedByYou,
      () =>
        new S3Client({ ...config, forcePathStyle: s3PathStyle() }).send(
          new CreateBucketCommand({
            Bucket: bucket,
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
  await createDetectRules(config);
  await createTrail(config);
  // The function the local stage's secrets rotate with (moto checks it exists, never runs it).
  // Imported here: the CLI loads this module for its names alone.
  const { localRotationFunction } = await import('../cli/commands/registerLocal.js');
  await localRotationFunction({ region, maxAttempts: config.maxAttempts });
}

/** The detect rules, aimed at a short-lived queue: moto cannot invoke a function from a rule. */
async function createDetectRules(config: ReturnType<typeof clientConfig>): Promise<void> {
  const sqs = new SQSClient(config);
  const { QueueUrl } = await sqs.send(
    new CreateQueueCommand({
      QueueName: LOCAL_STAGE.detectQueue,
      // Nothing reads it but a test now and then; keep moto's memory small.
      Attributes: { MessageRetentionPeriod: '60' },
    }),
  );
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
  );
  const queueArn = Attributes?.QueueArn ?? '';
  const events = new EventBridgeClient(config);
  for (const rule of deployedDetectRules('local')) {
    // PutRule/PutTargets replace: a rule changed by hand (a broken-stack test) is restored.
    await events.send(
      new PutRuleCommand({
        Name: rule.name,
        EventBusName: 'default',
        State: rule.state as RuleState,
        EventPattern: JSON.stringify(rule.pattern),
      }),
    );
    await events.send(
      new PutTargetsCommand({
        Rule: rule.name,
        EventBusName: 'default',
        Targets: [{ Id: 'detect', Arn: queueArn }],
      }),
    );
  }
}

/** A trail logging every management event, as the account gatewarden watches should have. */
async function createTrail(config: ReturnType<typeof clientConfig>): Promise<void> {
  const cloudtrail = new CloudTrailClient(config);
  await ignoring(
    (e) => e instanceof TrailAlreadyExistsException,
    () =>
      cloudtrail.send(
        new CreateTrailCommand({
          Name: LOCAL_STAGE.trail,
          S3BucketName: LOCAL_STAGE.trailBucket,
          IsMultiRegionTrail: true,
        }),
      ),
  );
  await cloudtrail.send(
    new PutEventSelectorsCommand({
      TrailName: LOCAL_STAGE.trail,
      EventSelectors: [{ ReadWriteType: 'All', IncludeManagementEvents: true }],
    }),
  );
  await cloudtrail.send(new StartLoggingCommand({ Name: LOCAL_STAGE.trail }));
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
