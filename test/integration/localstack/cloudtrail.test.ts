/**
 * CloudTrail through the local endpoint: every management call passing the front is recorded
 * and served by the stand-in's LookupEvents (filters, time range, paging); other CloudTrail
 * operations reach moto.
 */
import {
  CloudTrailClient,
  CreateTrailCommand,
  GetTrailStatusCommand,
  InvalidLookupAttributesException,
  InvalidTimeRangeException,
  LookupEventsCommand,
  StartLoggingCommand,
  type Event,
  type LookupEventsCommandInput,
} from '@aws-sdk/client-cloudtrail';
import {
  CreateAccessKeyCommand,
  CreateRoleCommand,
  PutRolePolicyCommand,
  CreateUserCommand,
  IAMClient,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  ListSecretsCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { cloudTrailRecordSchema } from '../../../lib/detection/record.js';
import {
  seedCloudTrail,
  testClientConfig,
  testS3Config,
  uniqueName,
} from '../../support/localStack.js';

const cloudtrail = new CloudTrailClient(testClientConfig());

async function lookupAll(
  input: LookupEventsCommandInput,
): Promise<{ events: Event[]; pages: number }> {
  const events: Event[] = [];
  let pages = 0;
  let NextToken: string | undefined;
  do {
    const page = await cloudtrail.send(new LookupEventsCommand({ ...input, NextToken }));
    events.push(...(page.Events ?? []));
    NextToken = page.NextToken;
    pages += 1;
  } while (NextToken && pages < 100);
  return { events, pages };
}

describe('local stack: CloudTrail LookupEvents', () => {
  const started = new Date(Date.now() - 2_000);
  const userName = uniqueName('gw-test-user');
  const secretName = uniqueName('gw-test/ct');
  const canary = `canary-${uniqueName('value')}`;
  let accessKeyId = '';

  beforeAll(async () => {
    // An IAM user of its own, so its calls can be told apart on the shared stack.
    const iam = new IAMClient(testClientConfig());
    await iam.send(new CreateUserCommand({ UserName: userName }));
    await iam.send(
      new PutUserPolicyCommand({
        UserName: userName,
        PolicyName: 'secrets',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 'secretsmanager:*', Resource: '*' }],
        }),
      }),
    );
    const key = await iam.send(new CreateAccessKeyCommand({ UserName: userName }));
    accessKeyId = key.AccessKey?.AccessKeyId ?? '';
    const asUser = new SecretsManagerClient({
      ...testClientConfig(),
      credentials: { accessKeyId, secretAccessKey: key.AccessKey?.SecretAccessKey ?? '' },
    });
    await asUser.send(new CreateSecretCommand({ Name: secretName, SecretString: canary }));
    for (let i = 0; i < 5; i += 1)
      await asUser.send(new DescribeSecretCommand({ SecretId: secretName }));
  });

  it('records the call with the caller resolved from its access key', async () => {
    const { events } = await lookupAll({
      LookupAttributes: [{ AttributeKey: 'Username', AttributeValue: userName }],
    });
    expect(events.map((event) => event.EventName).sort()).toEqual([
      'CreateSecret',
      'DescribeSecret',
      'DescribeSecret',
      'DescribeSecret',
      'DescribeSecret',
      'DescribeSecret',
    ]);
    const created = events.find((event) => event.EventName === 'CreateSecret');
    expect(created).toMatchObject({
      EventSource: 'secretsmanager.amazonaws.com',
      ReadOnly: 'false',
      AccessKeyId: accessKeyId,
      Username: userName,
    });
    const record: unknown = JSON.parse(created?.CloudTrailEvent ?? '{}');
    // The shared contract of the detection engine accepts the record as it is.
    expect(cloudTrailRecordSchema.safeParse(record).success).toBe(true);
    expect(record).toMatchObject({
      eventName: 'CreateSecret',
      awsRegion: 'us-east-1',
      sourceIPAddress: '127.0.0.1',
      readOnly: false,
      requestParameters: { name: secretName },
      userIdentity: { type: 'IAMUser', userName, accessKeyId, accountId: '123456789012' },
    });
    expect(created?.EventTime?.getTime()).toBeGreaterThanOrEqual(started.getTime() - 1_000);
  });

  it('resolves assumed-role sessions to their role', async () => {
    const iam = new IAMClient(testClientConfig());
    const roleName = uniqueName('gw-test-admin');
    const role = await iam.send(
      new CreateRoleCommand({
        RoleName: roleName,
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { AWS: 'arn:aws:iam::123456789012:root' },
              Action: 'sts:AssumeRole',
            },
          ],
        }),
      }),
    );
    // The stack enforces IAM: the role may make the one call the test looks up.
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: roleName,
        PolicyName: 'list-secrets',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 'secretsmanager:ListSecrets', Resource: '*' }],
        }),
      }),
    );
    const session = uniqueName('session');
    const assumed = await new STSClient(testClientConfig()).send(
      new AssumeRoleCommand({ RoleArn: role.Role?.Arn, RoleSessionName: session }),
    );
    const asRole = new SecretsManagerClient({
      ...testClientConfig(),
      credentials: {
        accessKeyId: assumed.Credentials?.AccessKeyId ?? '',
        secretAccessKey: assumed.Credentials?.SecretAccessKey ?? '',
        sessionToken: assumed.Credentials?.SessionToken ?? '',
      },
    });
    await asRole.send(new ListSecretsCommand({}));

    const { events } = await lookupAll({
      LookupAttributes: [{ AttributeKey: 'Username', AttributeValue: session }],
    });
    expect(events.map((event) => event.EventName)).toEqual(['ListSecrets']);
    expect(JSON.parse(events[0]?.CloudTrailEvent ?? '{}')).toMatchObject({
      userIdentity: {
        type: 'AssumedRole',
        accessKeyId: assumed.Credentials?.AccessKeyId,
        sessionContext: {
          sessionIssuer: { type: 'Role', arn: role.Role?.Arn, userName: roleName },
        },
      },
      readOnly: true,
    });
  });

  it('never records secret values', async () => {
    const { events } = await lookupAll({
      LookupAttributes: [{ AttributeKey: 'AccessKeyId', AttributeValue: accessKeyId }],
    });
    expect(events.length).toBe(6);
    expect(JSON.stringify(events)).not.toContain(canary);
  });

  it.each([
    ['EventName', 'CreateSecret', (event: Event) => event.EventName === 'CreateSecret'],
    [
      'EventSource',
      'secretsmanager.amazonaws.com',
      (event: Event) => event.EventSource === 'secretsmanager.amazonaws.com',
    ],
    ['ReadOnly', 'true', (event: Event) => event.ReadOnly === 'true'],
    [
      'ResourceName',
      secretName,
      (event: Event) => (event.Resources ?? []).some((r) => r.ResourceName === secretName),
    ],
  ])('filters on %s', async (AttributeKey, AttributeValue, holds) => {
    const { events } = await lookupAll({
      LookupAttributes: [{ AttributeKey: AttributeKey as 'EventName', AttributeValue }],
      StartTime: started,
    });
    expect(events.length).toBeGreaterThan(0);
    expect(events.every(holds)).toBe(true);
    expect(events.some((event) => event.Username === userName)).toBe(true);
  });

  it('pages newest first with MaxResults and NextToken', async () => {
    const { events, pages } = await lookupAll({
      LookupAttributes: [{ AttributeKey: 'Username', AttributeValue: userName }],
      MaxResults: 2,
    });
    expect(pages).toBe(3);
    expect(new Set(events.map((event) => event.EventId)).size).toBe(6);
    const times = events.map((event) => event.EventTime?.getTime() ?? 0);
    expect(times).toEqual([...times].sort((a, b) => b - a));
  });

  it('serves seeded historical records within their time range', async () => {
    const old = new Date(Date.now() - 30 * 86_400_000);
    const [eventId] = await seedCloudTrail([
      {
        eventTime: old.toISOString(),
        eventSource: 'bedrock-agentcore.amazonaws.com',
        eventName: 'UpdateGateway',
        userIdentity: {
          type: 'AssumedRole',
          arn: 'arn:aws:sts::123456789012:assumed-role/admin/alice',
          accountId: '123456789012',
        },
        requestParameters: { gatewayIdentifier: 'gw-seeded', authorizerType: 'NONE' },
      },
    ]);
    const lookup = (StartTime: Date, EndTime: Date) =>
      cloudtrail.send(
        new LookupEventsCommand({
          LookupAttributes: [{ AttributeKey: 'EventId', AttributeValue: eventId }],
          StartTime,
          EndTime,
        }),
      );
    const inside = await lookup(new Date(old.getTime() - 60_000), new Date(old.getTime() + 60_000));
    const outside = await lookup(new Date(old.getTime() + 60_000), new Date());
    expect(
      inside.Events?.map((event) => [event.EventName, event.Username, event.ReadOnly]),
    ).toEqual([['UpdateGateway', 'alice', 'false']]);
    expect(outside.Events).toEqual([]);
  });

  it('rejects bad lookups with CloudTrail errors', async () => {
    await expect(
      cloudtrail.send(
        new LookupEventsCommand({
          LookupAttributes: [
            { AttributeKey: 'EventName', AttributeValue: 'A' },
            { AttributeKey: 'Username', AttributeValue: 'B' },
          ],
        }),
      ),
    ).rejects.toBeInstanceOf(InvalidLookupAttributesException);
    await expect(
      cloudtrail.send(
        new LookupEventsCommand({ StartTime: new Date(), EndTime: new Date(Date.now() - 60_000) }),
      ),
    ).rejects.toBeInstanceOf(InvalidTimeRangeException);
  });

  it('sends other CloudTrail operations to moto', async () => {
    const bucket = uniqueName('gw-test-trail');
    await new S3Client(testS3Config()).send(new CreateBucketCommand({ Bucket: bucket }));
    const trail = uniqueName('gw-test-trail');
    await cloudtrail.send(new CreateTrailCommand({ Name: trail, S3BucketName: bucket }));
    await cloudtrail.send(new StartLoggingCommand({ Name: trail }));
    const status = await cloudtrail.send(new GetTrailStatusCommand({ Name: trail }));
    expect(status.IsLogging).toBe(true);
  });
});
