/**
 * Tool schemas kept in S3 (`--read-s3-schemas`), read live with the caller's credentials and
 * always with ExpectedBucketOwner: the target's `bucketOwnerAccountId`, else the gateway's own
 * account. A URI whose bucket belongs to another account than the one expected is not read
 * (the local stack's IAM gate refuses a bucket of another account, as S3 does).
 */
import {
  BedrockAgentCoreControlClient,
  CreateGatewayCommand,
  CreateGatewayTargetCommand,
} from '@aws-sdk/client-bedrock-agentcore-control';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { liveToolInventory } from '../../../lib/aws/toolInventory.js';
import type { GatewayTools } from '../../../lib/tools/inventory.js';
import { consumeDenials } from '../../support/iamDenials.js';
import { testClientConfig, testS3Config, uniqueName } from '../../support/localStack.js';
import { createGatewayExecutionRole } from '../../support/gatewayRole.js';

const control = new BedrockAgentCoreControlClient(testClientConfig());
const s3 = new S3Client(testS3Config());
const bucket = uniqueName('gw-tool-schemas').toLowerCase();
let gatewayId: string;

const openApi = {
  openapi: '3.0.0',
  info: { title: 'crm', version: '1' },
  paths: { '/customers/{id}': { get: { operationId: 'getCustomer' } } },
};

beforeAll(async () => {
  // Prepare (as the admin): the schemas in a bucket of the gateway's account, and targets.
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(
    new PutObjectCommand({ Bucket: bucket, Key: 'crm.json', Body: JSON.stringify(openApi) }),
  );
  await s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: 'orders.json',
      Body: JSON.stringify([{ name: 'list', inputSchema: { type: 'object' } }]),
    }),
  );
  const roleArn = await createGatewayExecutionRole(uniqueName('tschema-exec'));
  const gateway = await control.send(
    new CreateGatewayCommand({
      name: uniqueName('tschema').slice(0, 48),
      roleArn,
      protocolType: 'MCP',
      authorizerType: 'AWS_IAM',
    }),
  );
  gatewayId = gateway.gatewayId ?? '';
  const target = (name: string, mcp: Record<string, unknown>) =>
    control.send(
      new CreateGatewayTargetCommand({
        gatewayIdentifier: gatewayId,
        name,
        targetConfiguration: { mcp } as never,
        credentialProviderConfigurations: [{ credentialProviderType: 'GATEWAY_IAM_ROLE' }],
      }),
    );
  await target('crm', { openApiSchema: { s3: { uri: `s3://${bucket}/crm.json` } } });
  await target('orders', {
    lambda: {
      lambdaArn: 'arn:aws:lambda:us-east-1:123456789012:function:orders',
      toolSchema: { s3: { uri: `s3://${bucket}/orders.json` } },
    },
  });
  // The same object, said to be in a bucket of another account: not what the bucket is.
  await target('elsewhere', {
    openApiSchema: {
      s3: { uri: `s3://${bucket}/crm.json`, bucketOwnerAccountId: '210987654321' },
    },
  });
}, 60_000);

const targetOf = (gateway: GatewayTools | undefined, name: string) =>
  gateway?.targets.find((t) => t.name === name);

describe('tool schemas kept in S3', () => {
  it('are not read without --read-s3-schemas', async () => {
    const read = await liveToolInventory().read(gatewayId);
    expect(targetOf(read.gateways[0], 'crm')?.toolsUnknown).toBe('schema in S3, not read offline');
  });

  it('are read with it, each bucket expected to belong to the account named, else the gateway’s', async () => {
    // Act
    const read = await liveToolInventory({ readS3Schemas: true }).read(gatewayId);
    const denials = await consumeDenials();
    // Assess
    const gateway = read.gateways[0];
    expect(targetOf(gateway, 'crm')?.tools.map((t) => t.name)).toEqual(['crm___getCustomer']);
    expect(targetOf(gateway, 'orders')?.tools).toEqual([
      { name: 'orders___list', inputSchema: { type: 'object' } },
    ]);
    const elsewhere = targetOf(gateway, 'elsewhere');
    expect(elsewhere?.tools).toEqual([]);
    expect(elsewhere?.toolsUnknown).toMatch(/^schema in S3 not read: GetObject s3:\/\/\S+: \w+$/);
    // The refusal was the bucket's owner, not a missing grant of the caller.
    expect(denials.map((d) => d.reason)).toEqual([
      `bucket ${bucket} is not owned by the expected account 210987654321`,
    ]);
  });
});
