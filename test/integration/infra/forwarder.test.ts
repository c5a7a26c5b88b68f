/**
 * Two regions on the local stack: the stage deployed in eu-west-1 (the packaged template on
 * moto's CloudFormation), its forwarder in us-east-1 (`gatewarden forwarder deploy`). IAM events
 * are delivered to EventBridge in us-east-1 only, as on AWS (the stand-in's CloudTrail delivery);
 * the forwarder's rule puts them on the stage's bus in eu-west-1 as its role (decided by the IAM
 * gate: the role's trust for the rule, its PutEvents, the bus policy), the stage's rule hands
 * them to its detect queue, and detect, running as its deployed role in eu-west-1, alerts.
 * doctor fails without the forwarder (saying what to run), passes with it, and fails when it is
 * disabled or aimed elsewhere. A stack of this test's own, IAM enforced.
 */
import {
  DeleteRuleCommand,
  DisableRuleCommand,
  EnableRuleCommand,
  EventBridgeClient,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import {
  AttachRolePolicyCommand,
  CreateRoleCommand,
  DeleteRolePolicyCommand,
  GetRolePolicyCommand,
  IAMClient,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { SNSClient } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SQSClient,
  type Message,
} from '@aws-sdk/client-sqs';
import type { Context, SQSEvent } from 'aws-lambda';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { defaultDeps, makeHandler } from '../../../functions/detect.js';
import { withClientCredentials } from '../../../lib/aws/clients.js';
import type { DoctorReport } from '../../../lib/doctor/index.js';
import { forwarderRuleName } from '../../../lib/deploy/forwarder.js';
import { ENV } from '../../../lib/shared/env.js';
import { deployLocalStage } from '../../../local/deploy.js';
import { functionRoleSession } from '../../../local/functionRole.js';
import { putServiceEvents } from '../../support/serviceEvents.js';
import { subscribeQueue } from '../../support/queues.js';

const run = promisify(execFile);
const ROOT = process.cwd();
const STATE_DIR = mkdtempSync(path.join(tmpdir(), 'gw-forwarder-'));
const ACCOUNT = '123456789012';
const STAGE_REGION = 'eu-west-1';
const GLOBAL_REGION = 'us-east-1';
const TARGET = { stage: 'local', region: STAGE_REGION };
const BUS_ARN = `arn:aws:events:${STAGE_REGION}:${ACCOUNT}:event-bus/gatewarden-local`;
const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/gatewarden-local-${STAGE_REGION}-forwarder`;
const COMMAND = `npx gatewarden forwarder deploy --stage local --region ${STAGE_REGION}`;

let endpoint = '';
const config = (region: string) => ({
  endpoint,
  region,
  credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  maxAttempts: 1,
});

async function gatewarden(
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      [path.join(ROOT, 'bin', 'gatewarden.js'), ...args],
      {
        cwd: ROOT,
        env: { ...process.env, AWS_REGION: STAGE_REGION, GATEWARDEN_STACK_POLL_MS: '200' },
        maxBuffer: 16 * 1024 * 1024,
        timeout: 180_000,
      },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failure = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failure.code ?? -1, stdout: failure.stdout ?? '', stderr: failure.stderr ?? '' };
  }
}

/** doctor's forwarder check for the eu-west-1 stage. */
async function forwarderCheck() {
  const { stdout } = await gatewarden(['doctor', '--stage', 'local', '--json']);
  const report = JSON.parse(stdout) as DoctorReport;
  const check = report.checks.find((c) => c.id === 'rules.forwarder');
  if (!check) throw new Error(`no forwarder check in ${stdout.slice(0, 400)}`);
  return check;
}

/**
 * Messages on the eu-west-1 detect queue that `match`, waiting up to `ms` for `atLeast` of them:
 * asking for one more than expected waits the whole time, so a late duplicate is seen too.
 */
async function detectQueueMessages(
  match: (message: Message) => boolean,
  atLeast: number,
  ms = 20_000,
): Promise<Message[]> {
  const sqs = new SQSClient(config(STAGE_REGION));
  const { QueueUrl } = await sqs.send(
    new GetQueueUrlCommand({ QueueName: 'gatewarden-local-detect-events' }),
  );
  const got: Message[] = [];
  const until = Date.now() + ms;
  while (got.length < atLeast && Date.now() < until) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );
    got.push(...Messages.filter(match));
  }
  return got;
}

const detailOf = (message: Message) =>
  JSON.parse(message.Body ?? '{}') as {
    source: string;
    region: string;
    detail: { eventName: string; eventID: string };
  };

/** The positive fixture of a detection rule: a real CloudTrail record. */
function fixtureRecord(rule: string): Record<string, unknown> {
  const fixtures = JSON.parse(
    readFileSync(path.join(ROOT, 'lib/detection/rules', `${rule}.fixtures.json`), 'utf8'),
  ) as {
    cases: { expect: boolean; records: Record<string, unknown>[] }[];
  };
  const record = fixtures.cases.find((c) => c.expect)?.records.at(-1);
  if (!record) throw new Error(`no positive case for ${rule}`);
  return record;
}

beforeAll(async () => {
  const env = {
    ...process.env,
    GATEWARDEN_LOCAL_STATE_DIR: STATE_DIR,
    GATEWARDEN_LOCAL_IAM: 'enforce',
  };
  const { stdout } = await run(
    process.execPath,
    [path.join(ROOT, 'bin', 'gatewarden.js'), 'local', 'start', '--json', '--no-deploy'],
    { cwd: ROOT, env, timeout: 180_000 },
  );
  Object.assign(process.env, { GATEWARDEN_LOCAL_STATE_DIR: STATE_DIR }, JSON.parse(stdout));
  endpoint = process.env.AWS_ENDPOINT_URL ?? '';
  await deployLocalStage({ env: process.env, region: STAGE_REGION });
}, 600_000);

afterAll(async () => {
  await run(process.execPath, [path.join(ROOT, 'bin', 'gatewarden.js'), 'local', 'stop'], {
    cwd: ROOT,
    env: process.env,
  });
}, 60_000);

describe('a stage in eu-west-1 and its forwarder in us-east-1', () => {
  it('doctor fails without the forwarder, naming the command to run', async () => {
    const check = await forwarderCheck();

    expect(check.status).toBe('fail');
    expect(check.message).toContain(`Run: ${COMMAND}`);
  }, 120_000);

  it('refuses to deploy a forwarder for a stage in us-east-1', async () => {
    const result = await gatewarden([
      'forwarder',
      'deploy',
      '--stage',
      'local',
      '--region',
      GLOBAL_REGION,
    ]);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('needs no forwarder');
  }, 60_000);

  it('deploys the forwarder, which doctor then passes', async () => {
    const deployed = await gatewarden([
      'forwarder',
      'deploy',
      '--stage',
      'local',
      '--region',
      STAGE_REGION,
    ]);
    expect(deployed.code).toBe(0);
    expect(deployed.stdout).toContain(
      `gatewarden-local-forwarder-${STAGE_REGION} created in ${GLOBAL_REGION}`,
    );

    const check = await forwarderCheck();

    expect(check).toMatchObject({ status: 'pass' });
  }, 240_000);

  it('brings an IAM call, recorded in us-east-1, to the eu-west-1 detect queue once', async () => {
    // Act: a real IAM call; the client names eu-west-1, IAM's events still go to us-east-1.
    const iam = new IAMClient(config(STAGE_REGION));
    const roleName = `fwd-probe-${Date.now()}`;
    await iam.send(
      new CreateRoleCommand({
        RoleName: roleName,
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { Service: 'lambda.amazonaws.com' },
              Action: 'sts:AssumeRole',
            },
          ],
        }),
      }),
    );

    // Assess
    // One more than expected: waits the whole time, so a second copy would be seen.
    const created = (
      await detectQueueMessages((m) => (m.Body ?? '').includes(roleName), 2, 8_000)
    ).map(detailOf);
    expect(created).toHaveLength(1);
    expect(created[0]?.detail.eventName).toBe('CreateRole');
    expect(created[0]?.source).toBe('aws.iam');
  }, 60_000);

  it('alerts in eu-west-1 on an IAM event CloudTrail delivers in us-east-1', async () => {
    // Prepare: an SQS subscription to the stage's alert topic in eu-west-1.
    const sqs = new SQSClient(config(STAGE_REGION));
    const { QueueUrl: alertsUrl = '' } = await sqs.send(
      new CreateQueueCommand({ QueueName: `fwd-alerts-${Date.now()}` }),
    );
    const { Attributes = {} } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: alertsUrl, AttributeNames: ['QueueArn'] }),
    );
    const topicArn = `arn:aws:sns:${STAGE_REGION}:${ACCOUNT}:gatewarden-local-alerts`;
    await subscribeQueue(new SNSClient(config(STAGE_REGION)), sqs, topicArn, {
      url: alertsUrl,
      arn: Attributes.QueueArn ?? '',
    });
    // Act: real IAM calls (the client names eu-west-1); the stand-in's CloudTrail delivers them
    // in us-east-1, in CloudTrail's shape (`roleName`, `policyArn`), and the forwarder brings
    // them here.
    const iam = new IAMClient(config(STAGE_REGION));
    const roleName = `fwd-admin-${Date.now()}`;
    await iam.send(
      new CreateRoleCommand({
        RoleName: roleName,
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { Service: 'lambda.amazonaws.com' },
              Action: 'sts:AssumeRole',
            },
          ],
        }),
      }),
    );
    await iam.send(
      new AttachRolePolicyCommand({
        RoleName: roleName,
        PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess',
      }),
    );
    const messages = await detectQueueMessages((m) => {
      const { detail } = detailOf(m) as { detail: Record<string, unknown> };
      return (
        detail.eventName === 'AttachRolePolicy' &&
        (detail.requestParameters as Record<string, unknown> | null)?.roleName === roleName
      );
    }, 1);
    expect(messages).toHaveLength(1);
    // detect, as its deployed role in eu-west-1, over what its queue holds.
    const session = await functionRoleSession(
      endpoint,
      'gatewarden-local-detect',
      process.env,
      STAGE_REGION,
    );
    const env = {
      ...process.env,
      AWS_REGION: STAGE_REGION,
      [ENV.stateTable]: 'gatewarden-local-state',
      [ENV.alertTopicArn]: topicArn,
      [ENV.eventBusName]: 'gatewarden-local',
      [ENV.deadLetterQueueUrl]: `${endpoint}/${ACCOUNT}/gatewarden-local-dlq`,
    };
    const handler = withClientCredentials(session, () =>
      withRegion(STAGE_REGION, () => makeHandler(defaultDeps(env))),
    );
    const event: SQSEvent = {
      Records: messages.map((m) => ({
        messageId: m.MessageId ?? '',
        receiptHandle: m.ReceiptHandle ?? '',
        body: m.Body ?? '',
        attributes: {} as SQSEvent['Records'][number]['attributes'],
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: `arn:aws:sqs:${STAGE_REGION}:${ACCOUNT}:gatewarden-local-detect-events`,
        awsRegion: STAGE_REGION,
      })),
    };
    const result = await handler(event, {} as Context);

    // Assess
    expect(result).toEqual({ batchItemFailures: [] });
    const alerts: string[] = [];
    const until = Date.now() + 15_000;
    while (alerts.length === 0 && Date.now() < until) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: alertsUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 1,
        }),
      );
      alerts.push(...Messages.map((m) => m.Body ?? ''));
    }
    expect(alerts.join('\n')).toContain('iam-admin-policy-attached');
  }, 120_000);

  it('delivers nothing when the forwarder role may not put on the stage bus (the IAM gate)', async () => {
    const iam = new IAMClient(config(GLOBAL_REGION));
    const roleName = ROLE_ARN.split('/').pop() ?? '';
    const { PolicyDocument = '' } = await iam.send(
      new GetRolePolicyCommand({ RoleName: roleName, PolicyName: 'put-on-stage-bus' }),
    );
    await iam.send(
      new DeleteRolePolicyCommand({ RoleName: roleName, PolicyName: 'put-on-stage-bus' }),
    );
    await fetch(`${endpoint}/_gatewarden/iam/denials`, { method: 'DELETE' });
    try {
      const record = {
        ...fixtureRecord('iamAdminPolicyAttached'),
        eventID: `fwd-denied-${Date.now()}`,
      };
      await putServiceEvents([
        {
          Source: 'aws.iam',
          DetailType: 'AWS API Call via CloudTrail',
          Detail: JSON.stringify(record),
        },
      ]);

      const messages = await detectQueueMessages(
        (m) => detailOf(m).detail.eventID === record.eventID,
        1,
        5_000,
      );
      const { denials } = (await (await fetch(`${endpoint}/_gatewarden/iam/denials`)).json()) as {
        denials: { principal: string; action?: string }[];
      };

      expect(messages).toEqual([]);
      expect(
        denials.some((d) => d.action === 'events:PutEvents' && d.principal.includes(roleName)),
      ).toBe(true);
    } finally {
      await iam.send(
        new PutRolePolicyCommand({
          RoleName: roleName,
          PolicyName: 'put-on-stage-bus',
          PolicyDocument: decodeURIComponent(PolicyDocument),
        }),
      );
    }
  }, 60_000);

  it('takes no forged copy put on the stage bus, aws. source or not', async () => {
    const record = {
      ...fixtureRecord('iamAdminPolicyAttached'),
      eventID: `fwd-forged-${Date.now()}`,
    };
    const events = new EventBridgeClient(config(STAGE_REGION));

    const out = await events.send(
      new PutEventsCommand({
        Entries: ['aws.iam', 'custom.iam'].map((Source) => ({
          Source,
          DetailType: 'AWS API Call via CloudTrail',
          Detail: JSON.stringify(record),
          EventBusName: 'gatewarden-local',
        })),
      }),
    );
    const messages = await detectQueueMessages(
      (m) => detailOf(m).detail.eventID === record.eventID,
      1,
      5_000,
    );

    expect(out.Entries?.[0]?.ErrorCode).toBe('NotAuthorizedForSourceException');
    expect(messages).toEqual([]);
  }, 60_000);

  it('lets no other rule use the forwarder role, and doctor names a rule doubling it', async () => {
    // Prepare: someone's own rule in us-east-1, aimed at the stage bus with the forwarder role.
    const events = new EventBridgeClient(config(GLOBAL_REGION));
    const rogue = `someone-forwards-iam-${Date.now()}`;
    await events.send(
      new PutRuleCommand({ Name: rogue, EventPattern: JSON.stringify({ source: ['aws.iam'] }) }),
    );
    await events.send(
      new PutTargetsCommand({
        Rule: rogue,
        Targets: [{ Id: 'bus', Arn: BUS_ARN, RoleArn: ROLE_ARN }],
      }),
    );
    await fetch(`${endpoint}/_gatewarden/iam/denials`, { method: 'DELETE' });
    try {
      const record = {
        ...fixtureRecord('iamAdminPolicyAttached'),
        eventID: `fwd-rogue-${Date.now()}`,
      };

      // Act
      await putServiceEvents([
        {
          Source: 'aws.iam',
          DetailType: 'AWS API Call via CloudTrail',
          Detail: JSON.stringify(record),
        },
      ]);
      const messages = await detectQueueMessages(
        (m) => detailOf(m).detail.eventID === record.eventID,
        2,
        5_000,
      );
      const { denials } = (await (await fetch(`${endpoint}/_gatewarden/iam/denials`)).json()) as {
        denials: { principal: string; action?: string }[];
      };
      const check = await forwarderCheck();

      // Assess: the forwarder's copy only; the rogue rule's role session is refused by the trust.
      expect(messages).toHaveLength(1);
      expect(
        denials.some(
          (d) => d.action === 'sts:AssumeRole' && d.principal.includes('events.amazonaws.com'),
        ),
      ).toBe(true);
      expect(check.status).toBe('fail');
      expect(check.details?.join('\n')).toContain(`${rogue} in us-east-1 also forward`);
    } finally {
      await events.send(new RemoveTargetsCommand({ Rule: rogue, Ids: ['bus'] }));
      await events.send(new DeleteRuleCommand({ Name: rogue }));
    }
  }, 120_000);

  // events:DisableRule on the stage's bus alone drops every forwarded event before detect.
  it('doctor fails when the stage bus rule taking forwarded events is disabled', async () => {
    const events = new EventBridgeClient(config(STAGE_REGION));
    const rule = { Name: 'gatewarden-local-detect-forwarded', EventBusName: 'gatewarden-local' };
    await events.send(new DisableRuleCommand(rule));
    try {
      const check = await forwarderCheck();

      expect(check.status).toBe('fail');
      expect(check.details?.join('\n')).toMatch(/detect-forwarded is DISABLED, not ENABLED/);
    } finally {
      await events.send(new EnableRuleCommand(rule));
    }
    expect((await forwarderCheck()).status).toBe('pass');
  }, 120_000);

  it.each([
    [
      'disabled',
      async (events: EventBridgeClient) => {
        await events.send(new DisableRuleCommand({ Name: forwarderRuleName(TARGET, 'iam') }));
        return () => events.send(new EnableRuleCommand({ Name: forwarderRuleName(TARGET, 'iam') }));
      },
      /fwd-iam is DISABLED/,
    ],
    [
      'pointing elsewhere',
      async (events: EventBridgeClient) => {
        const rule = forwarderRuleName(TARGET, 'root');
        const elsewhere = BUS_ARN.replace('gatewarden-local', 'gatewarden-other');
        await events.send(
          new PutTargetsCommand({
            Rule: rule,
            Targets: [{ Id: 'stage-bus', Arn: elsewhere, RoleArn: ROLE_ARN }],
          }),
        );
        return () =>
          events.send(
            new PutTargetsCommand({
              Rule: rule,
              Targets: [{ Id: 'stage-bus', Arn: BUS_ARN, RoleArn: ROLE_ARN }],
            }),
          );
      },
      /fwd-root targets .*gatewarden-other/,
    ],
  ])(
    'doctor fails when the forwarder is %s',
    async (_label, breakIt, detail) => {
      const events = new EventBridgeClient(config(GLOBAL_REGION));
      const restore = await breakIt(events);
      try {
        const check = await forwarderCheck();

        expect(check.status).toBe('fail');
        expect(check.message).toContain(`Run: ${COMMAND}`);
        expect(check.details?.join('\n')).toMatch(detail);
      } finally {
        await restore();
      }
    },
    120_000,
  );
});

/** Builds clients for `region` (clientConfig reads AWS_REGION when each client is made). */
function withRegion<T>(region: string, make: () => T): T {
  const before = process.env.AWS_REGION;
  process.env.AWS_REGION = region;
  try {
    return make();
  } finally {
    if (before === undefined) delete process.env.AWS_REGION;
    else process.env.AWS_REGION = before;
  }
}
