/**
 * The single local endpoint serves the everyday AWS services through the real SDK clients,
 * with default client settings apart from `maxAttempts: 1` (and path-style S3).
 */
import {
  CreateTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import {
  AttachRolePolicyCommand,
  CreateRoleCommand,
  GetRoleCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
} from '@aws-sdk/client-iam';
import { CreateKeyCommand, DecryptCommand, EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import {
  CreateTopicCommand,
  PublishCommand,
  SNSClient,
  SubscribeCommand,
} from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { admitToQueue, createQueue } from '../../support/queues.js';
import {
  localStack,
  testClientConfig,
  testS3Config,
  uniqueName,
} from '../../support/localStack.js';

const config = testClientConfig();

describe('local stack: one endpoint for every AWS service', () => {
  it('points clients at the front through AWS_ENDPOINT_URL alone', () => {
    expect(process.env.AWS_ENDPOINT_URL).toBe(localStack().endpoint);
    expect(process.env.AWS_ENDPOINT_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('serves clients built with default settings (environment only)', async () => {
    const bucket = uniqueName('gw-test-defaults');
    const s3 = new S3Client({});
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'v' }));
    expect(
      await (
        await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'k' }))
      ).Body?.transformToString(),
    ).toBe('v');
    const caller = await new STSClient({}).send(new GetCallerIdentityCommand({}));
    expect(caller.Account).toBe('123456789012');
  });

  it('Secrets Manager: versions and stages', async () => {
    const client = new SecretsManagerClient(config);
    const name = uniqueName('gw-test/secret');
    await client.send(new CreateSecretCommand({ Name: name, SecretString: 'v1' }));
    await client.send(new PutSecretValueCommand({ SecretId: name, SecretString: 'v2' }));
    const current = await client.send(
      new GetSecretValueCommand({ SecretId: name, VersionStage: 'AWSCURRENT' }),
    );
    const previous = await client.send(
      new GetSecretValueCommand({ SecretId: name, VersionStage: 'AWSPREVIOUS' }),
    );
    expect([current.SecretString, previous.SecretString]).toEqual(['v2', 'v1']);
  });

  it('S3 with path-style addressing', async () => {
    const client = new S3Client(testS3Config());
    const bucket = uniqueName('gw-test-bucket');
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    await client.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'reports/2026/a.json', Body: '{"ok":true}' }),
    );
    const object = await client.send(
      new GetObjectCommand({ Bucket: bucket, Key: 'reports/2026/a.json' }),
    );
    expect(await object.Body?.transformToString()).toBe('{"ok":true}');
    const head = await client.send(
      new HeadObjectCommand({ Bucket: bucket, Key: 'reports/2026/a.json' }),
    );
    expect(head.ContentLength).toBe(11);
  });

  it('SNS delivers to an SQS subscription', async () => {
    const sns = new SNSClient(config);
    const sqs = new SQSClient(config);
    const queue = await createQueue(sqs, uniqueName('gw-test-q'));
    const topic = await sns.send(new CreateTopicCommand({ Name: uniqueName('gw-test-topic') }));
    // As on AWS, SNS delivers only to a queue whose policy admits the topic.
    await admitToQueue(sqs, queue, 'sns.amazonaws.com', topic.TopicArn ?? '');
    await sns.send(
      new SubscribeCommand({
        TopicArn: topic.TopicArn,
        Protocol: 'sqs',
        Endpoint: queue.arn,
        Attributes: { RawMessageDelivery: 'true' },
      }),
    );
    await sns.send(new PublishCommand({ TopicArn: topic.TopicArn, Message: 'hello alerts' }));
    const received = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queue.url,
        WaitTimeSeconds: 2,
        MaxNumberOfMessages: 1,
      }),
    );
    expect(received.Messages?.[0]?.Body).toBe('hello alerts');
  });

  it('SQS send and receive', async () => {
    const sqs = new SQSClient(config);
    const queue = await sqs.send(new CreateQueueCommand({ QueueName: uniqueName('gw-test-q') }));
    await sqs.send(new SendMessageCommand({ QueueUrl: queue.QueueUrl, MessageBody: 'm1' }));
    const received = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queue.QueueUrl, WaitTimeSeconds: 1 }),
    );
    expect(received.Messages?.map((message) => message.Body)).toEqual(['m1']);
  });

  it('DynamoDB put and get', async () => {
    const client = new DynamoDBClient(config);
    const table = uniqueName('gw-test-table');
    await client.send(
      new CreateTableCommand({
        TableName: table,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      }),
    );
    await client.send(
      new PutItemCommand({ TableName: table, Item: { pk: { S: 'a' }, n: { N: '1' } } }),
    );
    const item = await client.send(
      new GetItemCommand({ TableName: table, Key: { pk: { S: 'a' } } }),
    );
    expect(item.Item?.n?.N).toBe('1');
  });

  it('DynamoDB conditional writes are atomic: of 40 concurrent claims, one wins, every round', async () => {
    // Detection's dedup claims (one alert for an event two invocations see) rely on it.
    const client = new DynamoDBClient(config);
    const table = uniqueName('gw-test-claims');
    await client.send(
      new CreateTableCommand({
        TableName: table,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      }),
    );
    // Separate clients: separate connections, so the requests really overlap at the server.
    const clients = Array.from({ length: 40 }, () => new DynamoDBClient(config));
    for (let round = 0; round < 5; round++) {
      const outcomes = await Promise.allSettled(
        clients.map((c, i) =>
          c.send(
            new PutItemCommand({
              TableName: table,
              Item: { pk: { S: `claim-${round}` }, by: { N: String(i) } },
              ConditionExpression: 'attribute_not_exists(pk)',
            }),
          ),
        ),
      );
      const won = outcomes.filter((o) => o.status === 'fulfilled').length;
      const refused = outcomes.filter(
        (o) =>
          o.status === 'rejected' && (o.reason as Error).name === 'ConditionalCheckFailedException',
      ).length;
      expect({ round, won, refused }).toEqual({ round, won: 1, refused: 39 });
    }
  });

  it('IAM roles with AWS managed policies, and STS', async () => {
    const iam = new IAMClient(config);
    const roleName = uniqueName('gw-test-role');
    const trust = {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Service: 'bedrock-agentcore.amazonaws.com' },
          Action: 'sts:AssumeRole',
        },
      ],
    };
    await iam.send(
      new CreateRoleCommand({
        RoleName: roleName,
        AssumeRolePolicyDocument: JSON.stringify(trust),
      }),
    );
    // Exists only because moto runs with MOTO_IAM_LOAD_MANAGED_POLICIES=true.
    await iam.send(
      new AttachRolePolicyCommand({
        RoleName: roleName,
        PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess',
      }),
    );
    const attached = await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: roleName }));
    expect(attached.AttachedPolicies?.map((policy) => policy.PolicyName)).toEqual([
      'ReadOnlyAccess',
    ]);
    const role = await iam.send(new GetRoleCommand({ RoleName: roleName }));
    // IAM returns policy documents URL-encoded, as AWS does.
    expect(JSON.parse(decodeURIComponent(role.Role?.AssumeRolePolicyDocument ?? ''))).toEqual(
      trust,
    );
    const caller = await new STSClient(config).send(new GetCallerIdentityCommand({}));
    expect(caller.Account).toBe('123456789012');
  });

  it('KMS encrypt and decrypt', async () => {
    const kms = new KMSClient(config);
    const key = await kms.send(new CreateKeyCommand({ Description: uniqueName('gw-test-key') }));
    const encrypted = await kms.send(
      new EncryptCommand({ KeyId: key.KeyMetadata?.KeyId, Plaintext: Buffer.from('plain') }),
    );
    const decrypted = await kms.send(
      new DecryptCommand({ CiphertextBlob: encrypted.CiphertextBlob }),
    );
    expect(Buffer.from(decrypted.Plaintext ?? []).toString()).toBe('plain');
  });
});
