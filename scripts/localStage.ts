/**
 * Creates, on the local stack, the resources the `local` stage of serverless.yml points the
 * functions at, and what a deployment adds around them, so that sample events run end to end
 * and `gatewarden doctor` finds a deployed stage:
 * - the state table, alert topic, bus, dead-letter queue and report bucket;
 * - the detect rules of resources/detect-rules.yml on the default bus, with their patterns and
 *   states, aimed at the detect queue (resources/detect-buffer.yml);
 * - a trail logging all management events; the stand-in rotate function.
 *
 * `npm run invoke:local` runs this before `serverless invoke local` (scripts/invokeLocal.ts).
 * Idempotent: existing resources are kept. Refuses to run without AWS_ENDPOINT_URL, so it can
 * never create anything in a real account. Prints resource names only.
 */
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
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
import {
  ListTargetsByRuleCommand,
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
  type RuleState,
} from '@aws-sdk/client-eventbridge';
import { GetQueueAttributesCommand, GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
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

/** The CloudFormation stack `serverless deploy --stage local` creates. */
export const LOCAL_STACK = 'gatewarden-local';

/** Names used by `params.local` in serverless.yml; keep both in step. */
export const LOCAL_STAGE = {
  stateTable: 'gatewarden-local-state',
  alertTopic: 'gatewarden-local-alerts',
  eventBus: 'gatewarden-local',
  deadLetterQueue: 'gatewarden-local-dlq',
  reportBucket: 'gatewarden-local-reports',
  trail: 'gatewarden-local-trail',
  trailBucket: 'gatewarden-local-trail-logs',
  /** The HMAC keys that sign bindings and ledger records (resources/keys.yml aliases). */
  bindingMacKey: 'alias/gatewarden-local-bindings',
  ledgerMacKey: 'alias/gatewarden-local-ledger',
  /** Where the detect rules deliver (resources/detect-buffer.yml), as on AWS. */
  detectQueue: 'gatewarden-local-detect-events',
} as const;

/** The queue a stage's detect rules deliver to and detect reads (resources/detect-buffer.yml). */
export function detectQueueName(stage: string): string {
  return `gatewarden-${stage}-detect-events`;
}

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

/**
 * Deploys the local stage from the packaged template when it is not deployed yet (table, topic,
 * bus, queue, buckets, keys, roles, rules and functions all come from resources/*.yml, as on
 * AWS), then restores the detect rules' patterns and delivery to the detect queue, and adds what
 * no template creates: a trail logging all management events.
 */
export async function createLocalStage(): Promise<{ deployed: boolean }> {
  if (!process.env.AWS_ENDPOINT_URL) {
    throw new Error(
      'AWS_ENDPOINT_URL is not set: run eval "$(npx gatewarden local start)" first ' +
        '(this script only targets the local stack)',
    );
  }
  const config = { ...clientConfig({ maxAttempts: 2 }) };
  const deployed = !(await stackDeployed(config));
  if (deployed) {
    const { deployLocalStage } = await import('../local/deploy.js');
    await deployLocalStage({
      env: process.env,
      log: (line) => process.stderr.write(`gatewarden: ${line}\n`),
    });
  }
  await createDetectRules(config);
  await createTrail(config);
  return { deployed };
}

/** The bucket the local trail writes to (a deployment names an existing trail's bucket). */
async function createTrailBucket(config: ReturnType<typeof clientConfig>): Promise<void> {
  const region = config.region ?? 'us-east-1';
  await ignoring(
    (e) => e instanceof BucketAlreadyOwnedByYou,
    () =>
      new S3Client({ ...config, forcePathStyle: s3PathStyle() }).send(
        new CreateBucketCommand({
          Bucket: LOCAL_STAGE.trailBucket,
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

/** Whether the local stage's stack is deployed (and not rolled back or deleted). */
async function stackDeployed(config: ReturnType<typeof clientConfig>): Promise<boolean> {
  const { CloudFormationClient, DescribeStacksCommand } =
    await import('@aws-sdk/client-cloudformation');
  try {
    const { Stacks } = await new CloudFormationClient(config).send(
      new DescribeStacksCommand({ StackName: LOCAL_STACK }),
    );
    return (
      /_COMPLETE$/.test(Stacks?.[0]?.StackStatus ?? '') &&
      !/DELETE|ROLLBACK/.test(Stacks?.[0]?.StackStatus ?? '')
    );
  } catch {
    return false;
  }
}

/**
 * The detect rules, restored to their deployed patterns and aimed at the detect queue, as the
 * template deploys them (the local stage's queue keeps messages 15 minutes and Lambda does not
 * read it: moto cannot run the function; tests read it and run the handler as its role).
 */
async function createDetectRules(config: ReturnType<typeof clientConfig>): Promise<void> {
  const sqs = new SQSClient(config);
  const { QueueUrl } = await sqs.send(
    new GetQueueUrlCommand({ QueueName: LOCAL_STAGE.detectQueue }),
  );
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
  );
  const queueArn = Attributes?.QueueArn ?? '';
  const deadLetters = await sqs.send(
    new GetQueueUrlCommand({ QueueName: LOCAL_STAGE.deadLetterQueue }),
  );
  const deadLetterArn =
    (
      await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: deadLetters.QueueUrl,
          AttributeNames: ['QueueArn'],
        }),
      )
    ).Attributes?.QueueArn ?? '';
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
        // As resources/detect-rules.yml aims them: what EventBridge may not deliver (the
        // detect queue's policy refusing the rule) is dead-lettered.
        Targets: [
          {
            Id: 'detect',
            Arn: queueArn,
            RetryPolicy: { MaximumRetryAttempts: 24, MaximumEventAgeInSeconds: 86400 },
            DeadLetterConfig: { Arn: deadLetterArn },
          },
        ],
      }),
    );
    // A stage deployed before the detect queue existed aimed its rules at the function, which
    // moto cannot invoke: drop such targets.
    const { Targets } = await events.send(
      new ListTargetsByRuleCommand({ Rule: rule.name, EventBusName: 'default' }),
    );
    const lambdaTargets = (Targets ?? []).filter((target) => target.Arn?.includes(':lambda:'));
    if (lambdaTargets.length > 0) {
      await events.send(
        new RemoveTargetsCommand({
          Rule: rule.name,
          EventBusName: 'default',
          Ids: lambdaTargets.map((target) => target.Id ?? ''),
        }),
      );
    }
  }
}

/** A trail logging every management event, as the account gatewarden watches should have. */
async function createTrail(config: ReturnType<typeof clientConfig>): Promise<void> {
  await createTrailBucket(config);
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
