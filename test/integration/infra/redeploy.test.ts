/**
 * Deploy → remove → deploy of one stage, onto what the remove kept. `serverless remove` keeps
 * the secrets key (always) and, with `dataDeletionPolicy: Retain` (prod's), the state table, the
 * report bucket and the data key; a later deploy of the same stage adopts each through its
 * `existing*` param (docs/redeploy.md). The local stage is deployed
 * from the packaged template to moto's CloudFormation, on a stack of this test's own with IAM
 * enforced: every check below runs as the redeployed function's role, so a grant that still
 * names what the first deploy created fails here.
 */
import {
  CloudFormationClient,
  DescribeStacksCommand,
  ListStackResourcesCommand,
  type StackResourceSummary,
} from '@aws-sdk/client-cloudformation';
import { DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import { KMSClient, ListKeysCommand } from '@aws-sdk/client-kms';
import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { HeadBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { DynamoDbBindingStore } from '../../../lib/aws/bindingStore.js';
import { clientConfig } from '../../../lib/aws/clients.js';
import { KmsItemMac } from '../../../lib/aws/kmsItemMac.js';
import { ENV } from '../../../lib/shared/env.js';
import { deployLocalStage, removeLocalStage } from '../../../local/deploy.js';
import { asFunctionRole } from '../../../local/functionRole.js';
import { createSampleResources, SAMPLE, sampleSecret } from '../../../scripts/localSamples.js';

const run = promisify(execFile);
const ROOT = process.cwd();
const STATE_DIR = mkdtempSync(path.join(tmpdir(), 'gw-redeploy-'));
const STACK = 'gatewarden-local';
const ACCOUNT = SAMPLE.account;
const REGION = SAMPLE.region;
/** The local stage keeps its data on remove, as prod does. */
const RETAIN = { dataDeletionPolicy: 'Retain' };

let endpoint = '';

/** What the first deploy created and the remove must keep. */
interface Kept {
  stateTable: string;
  reportBucket: string;
  secretsKeyArn: string;
  dataKeyArn: string;
  /** The HMAC keys the state table's bindings and ledger are signed with. */
  bindingMacKeyArn: string;
  ledgerMacKeyArn: string;
  secretArn: string;
}
let kept: Kept | undefined;

function keptData(): Kept {
  if (!kept) throw new Error('the first deploy did not run');
  return kept;
}

/** The kept table's bindings, checked with the kept MAC keys (by ARN: the aliases go with the stack). */
function keptBindings(data: Kept): DynamoDbBindingStore {
  return new DynamoDbBindingStore(
    data.stateTable,
    {
      binding: new KmsItemMac(data.bindingMacKeyArn, new KMSClient(clientConfig())),
      ledger: new KmsItemMac(data.ledgerMacKeyArn, new KMSClient(clientConfig())),
    },
    new DynamoDBClient(clientConfig()),
  );
}

const keyArn = (keyId: string) => `arn:aws:kms:${REGION}:${ACCOUNT}:key/${keyId}`;

async function stackResources(): Promise<StackResourceSummary[]> {
  const cfn = new CloudFormationClient(clientConfig());
  const { StackResourceSummaries = [] } = await cfn.send(
    new ListStackResourcesCommand({ StackName: STACK }),
  );
  return StackResourceSummaries;
}

async function stackOutputs(): Promise<Record<string, string>> {
  const cfn = new CloudFormationClient(clientConfig());
  const { Stacks = [] } = await cfn.send(new DescribeStacksCommand({ StackName: STACK }));
  return Object.fromEntries(
    (Stacks[0]?.Outputs ?? []).map((o) => [o.OutputKey ?? '', o.OutputValue ?? '']),
  );
}

const physicalId = (resources: StackResourceSummary[], logicalId: string): string =>
  resources.find((r) => r.LogicalResourceId === logicalId)?.PhysicalResourceId ?? '';

/** The sample secret's value, read as a deployed function's role (Secrets Manager → KMS). */
function readSecretAs(functionName: string): Promise<string | undefined> {
  return asFunctionRole(endpoint, functionName, async () => {
    const sm = new SecretsManagerClient(clientConfig());
    const { SecretString } = await sm.send(
      new GetSecretValueCommand({ SecretId: keptData().secretArn }),
    );
    return SecretString;
  });
}

beforeAll(async () => {
  // A stack of our own (remove deletes the whole local stage), IAM enforced.
  const env = {
    ...process.env,
    GATEWARDEN_LOCAL_STATE_DIR: STATE_DIR,
    GATEWARDEN_LOCAL_IAM: 'enforce',
  };
  const { stdout } = await run(
    process.execPath,
    // Not deployed yet: this test deploys the stage itself, with the params it needs.
    [path.join(ROOT, 'bin', 'gatewarden.js'), 'local', 'start', '--json', '--no-deploy'],
    { cwd: ROOT, env, timeout: 180_000 },
  );
  // This file's process.env (jest gives each file its own): the SDK clients, the sample set-up
  // and the deploys all talk to this stack.
  Object.assign(process.env, { GATEWARDEN_LOCAL_STATE_DIR: STATE_DIR }, JSON.parse(stdout));
  endpoint = process.env.AWS_ENDPOINT_URL ?? '';
}, 200_000);

afterAll(async () => {
  await run(process.execPath, [path.join(ROOT, 'bin', 'gatewarden.js'), 'local', 'stop'], {
    cwd: ROOT,
    env: process.env,
  });
}, 60_000);

describe('deploy, remove and deploy again onto the kept data', () => {
  it('deploys the local stage, keeping its data on remove', async () => {
    await deployLocalStage({ env: process.env, params: RETAIN });

    const resources = await stackResources();
    kept = {
      stateTable: physicalId(resources, 'StateTable'),
      reportBucket: physicalId(resources, 'ReportBucket'),
      secretsKeyArn: keyArn(physicalId(resources, 'SecretsKey')),
      dataKeyArn: keyArn(physicalId(resources, 'DataKey')),
      bindingMacKeyArn: keyArn(physicalId(resources, 'BindingMacKey')),
      ledgerMacKeyArn: keyArn(physicalId(resources, 'LedgerMacKey')),
      secretArn: '',
    };
    expect(kept.stateTable).toBe('gatewarden-local-state');
    expect(kept.reportBucket).toBe('gatewarden-local-reports');
  }, 300_000);

  it('registers a secret under the secrets key, its binding in the state table', async () => {
    const data = keptData();
    // `gatewarden register` (through the samples' set-up) encrypts with the stack's key.
    process.env[ENV.secretsKmsKeyId] = data.secretsKeyArn;
    await createSampleResources();
    const sm = new SecretsManagerClient(clientConfig());
    const described = await sm.send(
      new DescribeSecretCommand({ SecretId: sampleSecret(SAMPLE.gatewayId).name }),
    );
    data.secretArn = described.ARN ?? '';
    expect(described.KmsKeyId).toBe(data.secretsKeyArn);

    const binding = await keptBindings(data).binding(data.secretArn);
    expect(binding?.secretArn).toBe(data.secretArn);
    expect(await readSecretAs('gatewarden-local-rotate')).toBeDefined();
  }, 120_000);

  it('removes the stage and keeps the table with its items, the bucket and both keys', async () => {
    const data = keptData();

    await removeLocalStage({ env: process.env });

    const cfn = new CloudFormationClient(clientConfig());
    await expect(cfn.send(new DescribeStacksCommand({ StackName: STACK }))).rejects.toThrow(
      /does not exist/,
    );
    const binding = await keptBindings(data).binding(data.secretArn);
    expect(binding?.secretArn).toBe(data.secretArn);
    const s3 = new S3Client({ ...clientConfig(), forcePathStyle: true });
    await expect(s3.send(new HeadBucketCommand({ Bucket: data.reportBucket }))).resolves.toEqual(
      expect.anything(),
    );
    const { Keys = [] } = await new KMSClient(clientConfig()).send(new ListKeysCommand({}));
    expect(Keys.map((k) => k.KeyArn)).toEqual(
      expect.arrayContaining([
        data.secretsKeyArn,
        data.dataKeyArn,
        data.bindingMacKeyArn,
        data.ledgerMacKeyArn,
      ]),
    );
  }, 120_000);

  it('deploys the same stage again, adopting what the remove kept', async () => {
    const data = keptData();

    await deployLocalStage({
      env: process.env,
      params: {
        ...RETAIN,
        existingStateTableName: data.stateTable,
        existingReportBucketName: data.reportBucket,
        existingSecretsKmsKeyArn: data.secretsKeyArn,
        existingDataKmsKeyArn: data.dataKeyArn,
        existingBindingMacKeyArn: data.bindingMacKeyArn,
        existingLedgerMacKeyArn: data.ledgerMacKeyArn,
      },
    });

    // Nothing kept was created a second time: the stack uses the kept ones.
    const types = (await stackResources()).map((r) => r.ResourceType);
    expect(types).not.toContain('AWS::DynamoDB::Table');
    expect(types.filter((t) => t === 'AWS::KMS::Key')).toHaveLength(1); // the alerts key
    expect(await stackOutputs()).toMatchObject({
      StateTableName: data.stateTable,
      ReportBucketName: data.reportBucket,
      SecretsKmsKeyArn: data.secretsKeyArn,
    });
  }, 300_000);

  it('runs the functions on the kept table, with its old items', async () => {
    const data = keptData();
    const lambda = new LambdaClient(clientConfig());
    for (const name of ['rotate', 'rotateNow', 'detect']) {
      const config = await lambda.send(
        new GetFunctionConfigurationCommand({ FunctionName: `gatewarden-local-${name}` }),
      );
      expect(config.Environment?.Variables?.[ENV.stateTable]).toBe(data.stateTable);
    }

    // The rotator reads the binding `register` pinned before the remove.
    const binding = await asFunctionRole(endpoint, 'gatewarden-local-rotate', () =>
      keptBindings(data).binding(data.secretArn),
    );
    expect(binding?.secretArn).toBe(data.secretArn);
    // detect queries its own items there.
    await asFunctionRole(endpoint, 'gatewarden-local-detect', () =>
      new DynamoDBClient(clientConfig()).send(
        new QueryCommand({
          TableName: data.stateTable,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': { S: 'bl#redeploy' } },
        }),
      ),
    );
  }, 120_000);

  it('lets the new roles use the kept secrets key and write to the kept report bucket', async () => {
    const data = keptData();

    // Secrets Manager decrypts with the kept key for the new rotate and rotateNow roles.
    expect(await readSecretAs('gatewarden-local-rotate')).toBeDefined();
    expect(await readSecretAs('gatewarden-local-rotateNow')).toBeDefined();
    await asFunctionRole(endpoint, 'gatewarden-local-report', () =>
      new S3Client({ ...clientConfig(), forcePathStyle: true }).send(
        new PutObjectCommand({
          Bucket: data.reportBucket,
          Key: 'reports/redeploy-check.json',
          Body: '{}',
        }),
      ),
    );
  }, 120_000);
});
