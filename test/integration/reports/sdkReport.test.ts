import {
  BedrockAgentCoreControlClient,
  CreateApiKeyCredentialProviderCommand,
  CreateGatewayCommand,
  CreateGatewayTargetCommand,
} from '@aws-sdk/client-bedrock-agentcore-control';
import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import {
  CreateBucketCommand,
  GetObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import {
  LookupEventsActivitySource,
  S3LogActivitySource,
} from '../../../lib/aws/activitySources.js';
import { AgentCoreInventorySource } from '../../../lib/aws/agentcoreInventory.js';
import { SnsAlertSink } from '../../../lib/aws/alertSinks.js';
import { IamApiSource } from '../../../lib/aws/iamInventory.js';
import { S3ReportStore } from '../../../lib/aws/reportStore.js';
import { IamDataCatalog } from '../../../lib/reports/catalog.js';
import { generateReport } from '../../../lib/reports/report.js';
import type { AccessReport } from '../../../lib/reports/reportTypes.js';
import { runScheduledReport } from '../../../lib/reports/scheduled.js';
import { UsageCollector } from '../../../lib/reports/UsageCollector.js';
import { defaultDeps, makeHandler } from '../../../functions/report.js';
import scheduleEvent from '../../../events/report.schedule.json' with { type: 'json' };
import type { Context } from 'aws-lambda';
import {
  DEFAULT_AUDIENCE,
  DEMO_CLIENTS,
  localStack,
  seedCloudTrail,
  testClientConfig,
  testS3Config,
  uniqueName,
} from '../../support/localStack.js';
import { subscribeQueue } from '../../support/queues.js';
import { dailyRecords } from '../../support/dailyRecords.js';

const ACCOUNT = '123456789012';
const config = testClientConfig();
const iam = new IAMClient(config);
const control = new BedrockAgentCoreControlClient(config);
const secrets = new SecretsManagerClient(config);
const cloudtrail = new CloudTrailClient(config);
const s3 = new S3Client(testS3Config());
const catalog = new IamDataCatalog();

const suffix = uniqueName('rep');
const execName = `gw-exec-${suffix}`;
const managerName = `gw-manager-${suffix}`;
const execArn = `arn:aws:iam::${ACCOUNT}:role/${execName}`;
const managerArn = `arn:aws:iam::${ACCOUNT}:role/${managerName}`;

interface World {
  gatewayA: string;
  gatewayB: string;
  gatewayArnA: string;
  providerArn: string;
  secretArn: string;
}

async function role(name: string, trust: unknown, policy: unknown): Promise<void> {
  await iam.send(
    new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: JSON.stringify(trust) }),
  );
  await iam.send(
    new PutRolePolicyCommand({
      RoleName: name,
      PolicyName: 'inline',
      PolicyDocument: JSON.stringify(policy),
    }),
  );
}

function sessionOf(roleName: string) {
  return {
    type: 'AssumedRole',
    principalId: `AROAEXAMPLE:${roleName}`,
    arn: `arn:aws:sts::${ACCOUNT}:assumed-role/${roleName}/session`,
    accountId: ACCOUNT,
    sessionContext: {
      sessionIssuer: {
        type: 'Role',
        arn: `arn:aws:iam::${ACCOUNT}:role/${roleName}`,
        accountId: ACCOUNT,
        userName: roleName,
      },
    },
  };
}

/** A demo-like estate: two gateways sharing one execution role whose trust lacks conditions. */
async function buildWorld(): Promise<World> {
  await role(
    execName,
    {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Service: 'bedrock-agentcore.amazonaws.com' },
          Action: 'sts:AssumeRole',
        },
      ],
    },
    {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: [
            'secretsmanager:GetSecretValue',
            'bedrock-agentcore:GetResourceApiKey',
            'bedrock-agentcore:GetWorkloadAccessToken',
          ],
          Resource: '*',
        },
      ],
    },
  );
  await role(
    managerName,
    {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
          Action: 'sts:AssumeRole',
        },
      ],
    },
    {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: ['bedrock-agentcore:*Gateway*'],
          Resource: `arn:aws:bedrock-agentcore:*:${ACCOUNT}:gateway/*`,
        },
      ],
    },
  );
  const jwt = {
    customJWTAuthorizer: {
      discoveryUrl: `${localStack().oidcIssuer}/.well-known/openid-configuration`,
      allowedClients: [DEMO_CLIENTS[0].client_id],
      allowedAudience: [DEFAULT_AUDIENCE],
    },
  };
  const a = await control.send(
    new CreateGatewayCommand({
      name: `gw-a-${suffix}`,
      roleArn: execArn,
      protocolType: 'MCP',
      authorizerType: 'NONE',
    }),
  );
  const b = await control.send(
    new CreateGatewayCommand({
      name: `gw-b-${suffix}`,
      roleArn: execArn,
      protocolType: 'MCP',
      authorizerType: 'CUSTOM_JWT',
      authorizerConfiguration: jwt,
    }),
  );
  const provider = await control.send(
    new CreateApiKeyCredentialProviderCommand({
      name: `crm-${suffix}`,
      apiKey: 'not-a-real-key-value',
    }),
  );
  await control.send(
    new CreateGatewayTargetCommand({
      gatewayIdentifier: b.gatewayId,
      name: 'crm',
      targetConfiguration: {
        mcp: {
          openApiSchema: {
            inlinePayload: JSON.stringify({
              openapi: '3.0.0',
              info: { title: 'crm', version: '1' },
              paths: {},
            }),
          },
        },
      },
      credentialProviderConfigurations: [
        {
          credentialProviderType: 'API_KEY',
          credentialProvider: {
            apiKeyCredentialProvider: {
              providerArn: provider.credentialProviderArn,
              credentialParameterName: 'x-api-key',
              credentialLocation: 'HEADER',
            },
          },
        },
      ],
    }),
  );
  const secret = await secrets.send(
    new CreateSecretCommand({
      Name: `gatewarden/${b.gatewayId}/apiKey/${suffix}`,
      SecretString: '{"apiKey":"not-a-real-key-value"}',
    }),
  );
  return {
    gatewayA: a.gatewayId ?? '',
    gatewayB: b.gatewayId ?? '',
    gatewayArnA: a.gatewayArn ?? '',
    providerArn: provider.credentialProviderArn ?? '',
    secretArn: secret.ARN ?? '',
  };
}

function records(world: World) {
  const now = Date.now();
  const time = (minutesAgo: number) =>
    new Date(now - minutesAgo * 60_000).toISOString().replace(/\.\d+Z$/, 'Z');
  return [
    {
      eventVersion: '1.11',
      eventTime: time(30),
      eventSource: 'secretsmanager.amazonaws.com',
      eventName: 'GetSecretValue',
      awsRegion: 'us-east-1',
      userIdentity: sessionOf(execName),
      requestParameters: { secretId: world.secretArn, versionStage: 'AWSCURRENT' },
      responseElements: null,
      eventID: `${suffix}-1`,
      readOnly: true,
      eventType: 'AwsApiCall',
      managementEvent: true,
      recipientAccountId: ACCOUNT,
    },
    {
      eventVersion: '1.11',
      eventTime: time(20),
      eventSource: 'bedrock-agentcore.amazonaws.com',
      eventName: 'UpdateGateway',
      awsRegion: 'us-east-1',
      userIdentity: sessionOf(managerName),
      requestParameters: { gatewayIdentifier: world.gatewayB, name: '***' },
      responseElements: null,
      eventID: `${suffix}-2`,
      readOnly: false,
      eventType: 'AwsApiCall',
      managementEvent: true,
      recipientAccountId: ACCOUNT,
    },
  ];
}

describe('access report through the SDK on the local stack', () => {
  let world: World;
  let report: AccessReport;

  beforeAll(async () => {
    world = await buildWorld();
    // The calls, and a record a day before them: the trail covers the 90-day window.
    const day = (ago: number) => new Date(Date.now() - ago * 86_400_000).toISOString().slice(0, 10);
    await seedCloudTrail([
      ...records(world),
      ...(dailyRecords(ACCOUNT, day(90), day(1)) as Record<string, unknown>[]),
    ]);
    report = await generateReport({
      iam: new IamApiSource(iam),
      inventory: new AgentCoreInventorySource({
        agentcore: control,
        secrets,
        cloudtrail,
        sts: new (await import('@aws-sdk/client-sts')).STSClient(config),
      }),
      activity: new LookupEventsActivitySource(cloudtrail, { minIntervalMs: 0 }),
      catalog,
    });
  }, 240_000);

  const ours = (checkId: string, resource: string) =>
    report.findings
      .filter((f) => f.checkId === checkId && f.resource === resource)
      .map((f) => f.severity);

  it('inventories the gateways with their roles, authorizers and targets', () => {
    const a = report.gateways.find((g) => g.gatewayId === world.gatewayA);
    const b = report.gateways.find((g) => g.gatewayId === world.gatewayB);
    expect(a).toMatchObject({ authorizerType: 'NONE', roleArn: execArn });
    expect(b?.targets).toEqual([
      expect.objectContaining({ name: 'crm', credentialProviderTypes: ['API_KEY'] }),
    ]);
  });

  it('compares granted with used for the execution role and narrows the recommendation', () => {
    const exec = report.roles.find((r) => r.arn === execArn);
    expect(exec).toMatchObject({
      kind: 'execution',
      gateways: [world.gatewayA, world.gatewayB].sort(),
    });
    expect(exec?.usedActions).toEqual(['secretsmanager:GetSecretValue']);
    expect(exec?.unusedActions).toEqual([
      'bedrock-agentcore:GetResourceApiKey',
      'bedrock-agentcore:GetWorkloadAccessToken',
    ]);
    expect(exec?.recommendedPolicy?.Statement).toContainEqual({
      Effect: 'Allow',
      Action: ['secretsmanager:GetSecretValue'],
      Resource: [world.secretArn],
    });
    // LookupEvents shows management events only: the token-vault reads (data events) stay.
    const kept = [
      'bedrock-agentcore:GetResourceApiKey',
      'bedrock-agentcore:GetWorkloadAccessToken',
    ];
    expect(exec?.recommendation.kept.map((k) => k.action)).toEqual(kept);
    expect(
      exec?.recommendedPolicy?.Statement.filter((st) => st.Sid?.startsWith('KeptNotObservable'))
        .flatMap((st) => st.Action ?? [])
        .sort(),
    ).toEqual(kept);
  });

  it('raises the findings a security engineer would act on', () => {
    expect(ours('gateway-authorizer-none', world.gatewayArnA)).toEqual(['high']);
    expect(ours('shared-execution-role', execArn)).toEqual(['medium']);
    expect(ours('trust-confused-deputy', execArn)).toEqual(['high']);
    expect(ours('high-risk-grant', execArn)).toEqual(['high', 'high']);
    expect(ours('credential-not-rotatable', world.providerArn)).toEqual(['medium']);
    expect(ours('secret-rotation-disabled', world.secretArn)).toEqual(['high']);
  });

  it('identifies the manager from its policy and its CloudTrail calls', () => {
    expect(report.managers.find((m) => m.arn === managerArn)).toEqual({
      arn: managerArn,
      sources: ['policy', 'cloudtrail'],
      managementActionsUsed: ['bedrock-agentcore:UpdateGateway'],
    });
  });

  it('never puts a credential value into the report', () => {
    expect(JSON.stringify(report)).not.toContain('not-a-real-key-value');
  });

  it('stores the weekly report in S3 with a latest pointer and alerts through SNS', async () => {
    // Prepare
    const bucket = uniqueName('gw-reports').toLowerCase();
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const sns = new SNSClient(config);
    const sqs = new SQSClient(config);
    const topic = await sns.send(new CreateTopicCommand({ Name: uniqueName('gw-report-alerts') }));
    const queue = await sqs.send(
      new CreateQueueCommand({ QueueName: uniqueName('gw-report-alerts') }),
    );
    const queueArn = (
      await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: queue.QueueUrl, AttributeNames: ['QueueArn'] }),
      )
    ).Attributes?.QueueArn;
    await subscribeQueue(sns, sqs, topic.TopicArn ?? '', {
      url: queue.QueueUrl ?? '',
      arn: queueArn ?? '',
    });
    const store = new S3ReportStore(bucket, 'reports', s3);
    const deps = (at: string) => ({
      report: { iam: new IamApiSource(iam), catalog, now: () => new Date(at) },
      store,
      sinks: [new SnsAlertSink(topic.TopicArn ?? '', sns)],
    });
    // Act
    const first = await runScheduledReport(deps('2026-11-23T06:00:00Z'));
    const second = await runScheduledReport(deps('2026-11-30T06:00:00Z'));
    // Assess
    expect(second.location).toBe(`s3://${bucket}/reports/2026/11/30/20261130T060000Z`);
    expect(first.newFindings).toBe(first.findings);
    expect(second.newFindings).toBe(0);
    const pointer = await s3.send(
      new GetObjectCommand({ Bucket: bucket, Key: 'reports/latest.json' }),
    );
    expect(JSON.parse((await pointer.Body?.transformToString()) ?? '{}')).toMatchObject({
      prefix: 'reports/2026/11/30/20261130T060000Z',
    });
    const html = await s3.send(
      new GetObjectCommand({
        Bucket: bucket,
        Key: 'reports/2026/11/30/20261130T060000Z/report.html',
      }),
    );
    expect(html.ContentType).toMatch(/text\/html/);
    const received = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queue.QueueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 2,
      }),
    );
    const subjects = (received.Messages ?? []).map(
      (m) => (JSON.parse(m.Body ?? '{}') as { Subject?: string }).Subject,
    );
    expect(subjects).toEqual(
      expect.arrayContaining([expect.stringMatching(/^gatewarden access report: /)]),
    );
  });

  it('runs the deployed handler wiring (env → SDK adapters) on the schedule event', async () => {
    // Prepare: the environment serverless.yml gives the function, pointed at the local stack.
    const bucket = uniqueName('gw-reports-fn').toLowerCase();
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const topic = await new SNSClient(config).send(
      new CreateTopicCommand({ Name: uniqueName('gw-report-fn') }),
    );
    const env = {
      ...process.env,
      GATEWARDEN_REPORT_BUCKET: bucket,
      GATEWARDEN_REPORT_DAYS: '7',
      GATEWARDEN_ALERT_TOPIC_ARN: topic.TopicArn,
      GATEWARDEN_EVENT_BUS_NAME: '',
      GATEWARDEN_TRAIL_BUCKET: '',
    };
    const saved = process.env.GATEWARDEN_LOOKUP_EVENTS_INTERVAL_MS;
    process.env.GATEWARDEN_LOOKUP_EVENTS_INTERVAL_MS = '0';
    try {
      // Act
      const result = await makeHandler(() => defaultDeps(env))(
        scheduleEvent as never,
        {} as Context,
      );
      // Assess
      expect(result.location).toMatch(new RegExp(`^s3://${bucket}/reports/\\d{4}/\\d{2}/\\d{2}/`));
      const stored = await s3.send(
        new GetObjectCommand({ Bucket: bucket, Key: 'reports/latest.json' }),
      );
      const { prefix } = JSON.parse((await stored.Body?.transformToString()) ?? '{}') as {
        prefix: string;
      };
      const json = await s3.send(
        new GetObjectCommand({ Bucket: bucket, Key: `${prefix}/report.json` }),
      );
      const storedReport = JSON.parse(
        (await json.Body?.transformToString()) ?? '{}',
      ) as AccessReport;
      expect(storedReport.sources.activity?.kind).toBe('lookup-events');
      expect(storedReport.roles.find((r) => r.arn === execArn)?.usedActions).toEqual([
        'secretsmanager:GetSecretValue',
      ]);
    } finally {
      if (saved === undefined) delete process.env.GATEWARDEN_LOOKUP_EVENTS_INTERVAL_MS;
      else process.env.GATEWARDEN_LOOKUP_EVENTS_INTERVAL_MS = saved;
    }
  }, 240_000);

  it('reads CloudTrail log files from S3, only the days in the window', async () => {
    const bucket = uniqueName('gw-trail').toLowerCase();
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const today = new Date().toISOString().slice(0, 10).replace(/-/g, '/');
    const put = (key: string, body: Buffer | string) =>
      s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    await put(
      `AWSLogs/${ACCOUNT}/CloudTrail/us-east-1/${today}/a.json.gz`,
      gzipSync(JSON.stringify({ Records: records(world) })),
    );
    await put(
      `AWSLogs/${ACCOUNT}/CloudTrail/us-east-1/2019/01/01/old.json.gz`,
      gzipSync(JSON.stringify({ Records: records(world) })),
    );
    await put(`AWSLogs/${ACCOUNT}/CloudTrail/us-east-1/${today}/broken.json.gz`, 'not gzip');
    const collector = new UsageCollector();
    const { issues } = await S3LogActivitySource.fromUrl(`s3://${bucket}/AWSLogs/`, s3).collect(
      { from: new Date(Date.now() - 7 * 86_400_000), to: new Date() },
      collector,
    );
    expect(collector.stats.eventsRead).toBe(2);
    expect(collector.principals.get(`${ACCOUNT}|role|${execName.toLowerCase()}`)?.events.size).toBe(
      1,
    );
    expect(issues).toEqual([
      {
        input: `s3://${bucket}/AWSLogs/${ACCOUNT}/CloudTrail/us-east-1/${today}/broken.json.gz`,
        reason: 'not valid gzip',
      },
    ]);
  });

  it('runs from the CLI without --iam (SDK, usage from LookupEvents by default) and prints the JSON report', async () => {
    const { stdout } = await promisify(execFile)(
      'node',
      ['bin/gatewarden.js', 'report', '--days', '7', '--format', 'json', '--no-progress'],
      {
        cwd: new URL('../../../', import.meta.url).pathname,
        // The local stand-in does not throttle LookupEvents; AWS's 2 requests/s pacing is not needed.
        env: { ...process.env, GATEWARDEN_LOOKUP_EVENTS_INTERVAL_MS: '0' },
        maxBuffer: 256 * 1024 * 1024,
      },
    );
    const cli = JSON.parse(stdout) as AccessReport;
    expect(cli.roles.find((r) => r.arn === execArn)?.usedActions).toEqual([
      'secretsmanager:GetSecretValue',
    ]);
    expect(
      cli.findings.some((f) => f.checkId === 'shared-execution-role' && f.resource === execArn),
    ).toBe(true);
  }, 240_000);
});
