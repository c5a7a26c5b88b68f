/**
 * The organization on the local stack (issue 22, point 6): a management account, a security
 * account and two members, the central stage deployed from the packaged template with the
 * organization's params, and the member template in both members. Then: an IAM change in a
 * member reaches the central detect through the member's forwarding rule (its role, the central
 * bus policy), and detect, as its deployed role, alerts naming the member; the report role
 * reads every account through the members' read roles, the accounts without one reported and
 * not fatal; and the `gatewarden guardrails` SCP on the members' OU refuses the member's
 * administrator the forwarding rule while the StackSet execution role may change it. A stack
 * of this test's own, IAM enforced.
 *
 * The central stage runs in the security account, registered by the management account as
 * the StackSets delegated administrator and deployed with its administrator's credentials (the
 * local stage's account-bound params set to that account); the local IAM gate reads its
 * policies, function roles and template policies there.
 *
 * Where this differs from AWS, and why:
 * - moto's CloudFormation has no `AWS::CloudFormation::StackSet` (it skips the resource): the
 *   test deploys the StackSet's template (resources/member-stackset.yml) in each member as the
 *   StackSet would, a stack per account, created by a `stacksets-exec-*` role with the
 *   parameters resources/organization.yml passes.
 * - The organization trail is made by the security account (CloudTrail's delegated
 *   administrator may on AWS too), but moto keeps it there rather than in the management
 *   account with a shadow in every member: the central stage's own DescribeTrails finds it.
 * - moto answers a delegated administrator's Organizations reads from the management account
 *   only through local/motoLauncher.py (moto itself lists no account outside it).
 */
import {
  CloudTrailClient,
  CreateTrailCommand,
  PutEventSelectorsCommand,
  StartLoggingCommand,
  UpdateTrailCommand,
} from '@aws-sdk/client-cloudtrail';
import {
  CloudFormationClient,
  CreateStackCommand,
  DescribeStacksCommand,
} from '@aws-sdk/client-cloudformation';
import {
  DeleteRuleCommand,
  EventBridgeClient,
  ListTargetsByRuleCommand,
  PutEventsCommand,
  RemoveTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  AttachRolePolicyCommand,
  CreateRoleCommand,
  DeleteRolePolicyCommand,
  IAMClient,
} from '@aws-sdk/client-iam';
import {
  AttachPolicyCommand,
  CreateOrganizationalUnitCommand,
  CreatePolicyCommand,
  ListRootsCommand,
  MoveAccountCommand,
  OrganizationsClient,
  RegisterDelegatedAdministratorCommand,
} from '@aws-sdk/client-organizations';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import {
  GetFunctionCommand,
  LambdaClient,
  UpdateFunctionCodeCommand,
} from '@aws-sdk/client-lambda';
import { SNSClient } from '@aws-sdk/client-sns';
import { ReceiveMessageCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import { STSClient } from '@aws-sdk/client-sts';
import type { Context, SQSEvent } from 'aws-lambda';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { defaultDeps, makeHandler } from '../../../functions/detect.js';
import type { ClientCredentials } from '../../../lib/aws/clients.js';
import { withClientCredentials } from '../../../lib/aws/clients.js';
import { memberSources } from '../../../lib/aws/memberAccess.js';
import { OrganizationsDirectory } from '../../../lib/aws/organizationDirectory.js';
import { organizationDoctorPorts } from '../../../lib/aws/organizationDoctor.js';
import { heartbeatRuleArn } from '../../../lib/detection/delivery.js';
import { MEMBER_STACKSET_FILE } from '../../../lib/deploy/memberTemplate.js';
import { lambdaInvoker } from '../../../lib/aws/lambdaInvoker.js';
import { memberRotateNowArn, rotateInMember } from '../../../lib/rotation/memberRotation.js';
import { packageStage } from '../../../local/packageStage.js';
import { organizationChecks } from '../../../lib/doctor/organizationChecks.js';
import { GATEWAY_DATA_TYPE } from '../../../lib/doctor/trailCoverage.js';
import { guardrailJson, guardrails } from '../../../lib/guardrails/index.js';
import { IamDataCatalog } from '../../../lib/reports/catalog.js';
import { organizationAccessReport } from '../../../lib/reports/organization.js';
import { deployLocalStage } from '../../../local/deploy.js';
import { readState } from '../../../local/state.js';
import {
  deployedEnvironment,
  deployedFunction,
  functionCredentials,
} from '../../support/functionRoles.js';
import { consumeDenials, IAM_ENDPOINT_ENV } from '../../support/iamDenials.js';
import {
  ADMINISTRATOR_ACCESS,
  createAccount,
  ensureOrganization,
  grantAccountAccessRole,
  MANAGEMENT_ACCOUNT,
  roleSession,
} from '../../support/organization.js';
import { createQueue, subscribeQueue } from '../../support/queues.js';

const run = promisify(execFile);
const ROOT = process.cwd();
const STATE_DIR = mkdtempSync(path.join(tmpdir(), 'gw-org4-'));
const REGION = 'us-east-1';
const STAGE = 'local';
const EXEC_ROLE = 'stacksets-exec-gatewarden';
const MEMBER_STACK = `StackSet-gatewarden-${STAGE}-members`;
const ROTATION_STACK = `StackSet-gatewarden-${STAGE}-member-rotation`;
/** The security account's operators' role: the members' rotateNow functions let it invoke them. */
const CENTRAL_ROTATION_ROLE = 'gatewarden-central-rotation';
/** An account outside the organization. */
const OUTSIDER = '999988887777';

const accounts = { security: '', memberA: '', memberB: '' };
/** The security account's administrator: deploys and reads the central stage there. */
let securityAdmin: ClientCredentials;
let organizationId = '';
let workloadsOu = '';
let endpoint = '';
let savedIamEndpoint: string | undefined;
/** The central stage's params (the package they make holds the members' code keys). */
let centralParams: Record<string, string> = {};
/** The member rotation StackSet's parameters, as the packaged central template passes them. */
const rotationParameters: Record<string, string> = {};
/** The function zips of that package, by function. */
const zips: Record<string, Buffer> = {};

const config = (credentials?: ClientCredentials) => ({
  region: REGION,
  maxAttempts: 1,
  ...(credentials ? { credentials } : {}),
});
const roleIn = (account: string, name: string) => `arn:aws:iam::${account}:role/${name}`;
const trustManagement = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${MANAGEMENT_ACCOUNT}:root` },
      Action: 'sts:AssumeRole',
    },
  ],
});

/** A session of a member's role, asked through the front as the management account's admin. */
const sessionOf = (account: string, role: string) =>
  roleSession(new STSClient(config()), roleIn(account, role));

/** The member template as the StackSet carries it (its TemplateBody). */
function memberTemplateBody(): string {
  const yaml = createRequire(import.meta.url)('js-yaml') as { load(text: string): unknown };
  const file = yaml.load(readFileSync(path.join(ROOT, MEMBER_STACKSET_FILE), 'utf8')) as {
    templateBody: string;
  };
  return file.templateBody;
}

/** The member rotation template as its StackSet carries it. */
function rotationTemplateBody(): string {
  const yaml = createRequire(import.meta.url)('js-yaml') as { load(text: string): unknown };
  const file = yaml.load(
    readFileSync(path.join(ROOT, 'resources', 'member-rotation-stackset.yml'), 'utf8'),
  ) as { templateBody: string };
  return file.templateBody;
}

/** The member's stack instance, created as the StackSet creates it (its execution role). */
async function deployMemberInstance(account: string, reportRoleArn: string): Promise<void> {
  await deployInstance(account, MEMBER_STACK, memberTemplateBody(), {
    Stage: STAGE,
    CentralAccountId: accounts.security,
    CentralBusArn: `arn:aws:events:${REGION}:${accounts.security}:event-bus/default`,
    ReportRoleArn: reportRoleArn,
    OrganizationId: organizationId,
    // The stage's region is us-east-1 and no other region is chosen: everything forwards.
    UsEast1Scope: 'all',
  });
}

/** A stack instance of a StackSet in `account`, as its execution role creates it. */
async function deployInstance(
  account: string,
  stackName: string,
  templateBody: string,
  parameters: Record<string, string>,
): Promise<void> {
  const exec = new CloudFormationClient(config(await sessionOf(account, EXEC_ROLE)));
  await exec.send(
    new CreateStackCommand({
      StackName: stackName,
      TemplateBody: templateBody,
      Capabilities: ['CAPABILITY_NAMED_IAM'],
      Parameters: Object.entries(parameters).map(([ParameterKey, ParameterValue]) => ({
        ParameterKey,
        ParameterValue,
      })),
    }),
  );
  const until = Date.now() + 60_000;
  for (;;) {
    const { Stacks = [] } = await exec.send(new DescribeStacksCommand({ StackName: stackName }));
    const status = Stacks[0]?.StackStatus ?? '';
    if (status === 'CREATE_COMPLETE') return;
    if (/FAILED|ROLLBACK/.test(status) || Date.now() > until)
      throw new Error(
        `member stack in ${account}: ${status} ${Stacks[0]?.StackStatusReason ?? ''}`,
      );
    await new Promise((r) => setTimeout(r, 200));
  }
}

beforeAll(async () => {
  // Prepare: a stack of this test's own, IAM enforced; its denials are this test's to check.
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
  savedIamEndpoint = process.env[IAM_ENDPOINT_ENV];
  process.env[IAM_ENDPOINT_ENV] = endpoint;
  const state = readState(path.join(STATE_DIR, 'local-stack.json'));
  if (!state) throw new Error('no local stack state');

  // The organization: the stack's account manages it; a security account at the root; the two
  // members in the OU the StackSet targets.
  const organizations = new OrganizationsClient(config());
  organizationId = await ensureOrganization(organizations);
  const root = (await organizations.send(new ListRootsCommand({}))).Roots?.[0]?.Id ?? '';
  const ou = await organizations.send(
    new CreateOrganizationalUnitCommand({ ParentId: root, Name: 'workloads' }),
  );
  workloadsOu = ou.OrganizationalUnit?.Id ?? '';
  accounts.security = await createAccount(organizations, 'security');
  for (const key of ['memberA', 'memberB'] as const) {
    accounts[key] = await createAccount(organizations, key.toLowerCase());
    await organizations.send(
      new MoveAccountCommand({
        AccountId: accounts[key],
        SourceParentId: root,
        DestinationParentId: workloadsOu,
      }),
    );
  }

  // The security account: the StackSets delegated administrator, as the management account
  // registers it (docs/organization.md), its administrator as the account factory leaves it.
  await organizations.send(
    new RegisterDelegatedAdministratorCommand({
      AccountId: accounts.security,
      ServicePrincipal: 'member.org.stacksets.cloudformation.amazonaws.com',
    }),
  );
  await grantAccountAccessRole(state.motoUrl, accounts.security);
  securityAdmin = await sessionOf(accounts.security, 'OrganizationAccountAccessRole');

  // The central stage in the security account, from the packaged template, with the
  // organization's params (and the local stage's account-bound params made that account's).
  const central = accounts.security;
  const centralEnv = {
    ...process.env,
    AWS_ACCESS_KEY_ID: securityAdmin.accessKeyId,
    AWS_SECRET_ACCESS_KEY: securityAdmin.secretAccessKey,
    AWS_SESSION_TOKEN: securityAdmin.sessionToken,
  };
  centralParams = {
    organizationId,
    organizationUnitIds: workloadsOu,
    // The members of the OU hold gateway secrets: they get the rotation functions.
    memberRotationUnitIds: workloadsOu,
    memberRotationRoleArn: roleIn(central, CENTRAL_ROTATION_ROLE),
    alertTopicArn: `arn:aws:sns:${REGION}:${central}:gatewarden-${STAGE}-alerts`,
    adminRoleArn: roleIn(central, 'OrganizationAccountAccessRole'),
    deadLetterQueueUrl: `${endpoint}/${central}/gatewarden-${STAGE}-dlq`,
    reportBucketOwner: central,
    stageAccountId: central,
    rotationFunctionArn: `arn:aws:lambda:${REGION}:${central}:function:gatewarden-${STAGE}-rotate`,
    rotatorRoleArn: roleIn(central, `gatewarden-${STAGE}-${REGION}-rotate`),
    sweeperRoleArn: roleIn(central, `gatewarden-${STAGE}-${REGION}-rotateNow`),
  };
  await deployLocalStage({ env: centralEnv, params: centralParams });
  // The same package the deploy used (cached): the code keys it set and the zips it uploaded.
  const packaged = await packageStage('local', centralEnv, centralParams);
  const rotationStackSet = packaged.template.Resources.MemberRotationStackSet?.Properties as {
    Parameters: { ParameterKey: string; ParameterValue: unknown }[];
  };
  for (const name of ['rotate', 'rotateNow']) {
    zips[name] = readFileSync(path.join(packaged.dir, `${name}.zip`));
  }
  const { roleArn: reportRoleArn } = await deployedFunction('report', securityAdmin);

  // Each member: its administrator (as the account factory leaves it) and the StackSet's
  // execution role, then the stack instance.
  for (const member of [accounts.memberA, accounts.memberB]) {
    await grantAccountAccessRole(state.motoUrl, member);
    const iam = new IAMClient(config(await sessionOf(member, 'OrganizationAccountAccessRole')));
    for (const name of ['member-admin', EXEC_ROLE]) {
      await iam.send(
        new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: trustManagement }),
      );
      await iam.send(
        new AttachRolePolicyCommand({ RoleName: name, PolicyArn: ADMINISTRATOR_ACCESS }),
      );
    }
    await deployMemberInstance(member, reportRoleArn);
  }

  // The security account's operators' role (named by memberRotationRoleArn), given the stage's
  // own policy for it; and an analyst role of the same account with the same policy.
  const securityIam = new IAMClient(config(securityAdmin));
  for (const name of [CENTRAL_ROTATION_ROLE, 'security-analyst']) {
    await securityIam.send(
      new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: trustManagement }),
    );
    await securityIam.send(
      new AttachRolePolicyCommand({
        RoleName: name,
        PolicyArn: `arn:aws:iam::${central}:policy/gatewarden-${STAGE}-member-rotation`,
      }),
    );
  }
  // Member A holds gateway secrets: its instance of the member rotation StackSet, with the
  // parameters the central stage passes (the code keys its package set, its code bucket).
  const { Stacks = [] } = await new CloudFormationClient(config(securityAdmin)).send(
    new DescribeStacksCommand({ StackName: `gatewarden-${STAGE}` }),
  );
  const codeBucket = Stacks[0]?.Outputs?.find((o) => o.OutputKey === 'MemberCodeBucketName');
  bucketName = codeBucket?.OutputValue ?? '';
  // What CloudFormation resolves in the StackSet's parameters: the stack's own parameters,
  // the account, the code bucket.
  const resolved: Record<string, string> = {
    'AWS::AccountId': central,
    MemberCodeBucket: bucketName,
    ...Object.fromEntries(
      (Stacks[0]?.Parameters ?? []).map((p) => [p.ParameterKey ?? '', p.ParameterValue ?? '']),
    ),
  };
  for (const { ParameterKey, ParameterValue } of rotationStackSet.Parameters) {
    const ref = (ParameterValue as { Ref?: string } | null)?.Ref;
    const value = typeof ParameterValue === 'string' ? ParameterValue : resolved[ref ?? ''];
    if (value === undefined) throw new Error(`rotation StackSet: ${ParameterKey} unresolved`);
    rotationParameters[ParameterKey] = value;
  }
  expect(rotationParameters.CentralRotationRoleArn).toBe(roleIn(central, CENTRAL_ROTATION_ROLE));
  await deployInstance(accounts.memberA, ROTATION_STACK, rotationTemplateBody(), {
    ...rotationParameters,
  });
}, 900_000);

afterAll(async () => {
  if (savedIamEndpoint === undefined) delete process.env[IAM_ENDPOINT_ENV];
  else process.env[IAM_ENDPOINT_ENV] = savedIamEndpoint;
  await run(process.execPath, [path.join(ROOT, 'bin', 'gatewarden.js'), 'local', 'stop'], {
    cwd: ROOT,
    env: process.env,
  });
}, 60_000);

describe('an organization of four accounts on the local stack', () => {
  it('brings a member’s IAM change to the central detect, which alerts naming the member', async () => {
    // Prepare: the central alert topic, read through a queue.
    const sqs = new SQSClient(config(securityAdmin));
    const alerts = await createQueue(sqs, `org4-alerts-${Date.now()}`);
    const topicArn = `arn:aws:sns:${REGION}:${accounts.security}:gatewarden-${STAGE}-alerts`;
    await subscribeQueue(new SNSClient(config(securityAdmin)), sqs, topicArn, alerts);

    // Act: the member's administrator gives a new role AdministratorAccess (in the member only).
    const memberIam = new IAMClient(config(await sessionOf(accounts.memberA, 'member-admin')));
    const roleName = `org4-escalated-${Date.now()}`;
    await memberIam.send(
      new CreateRoleCommand({ RoleName: roleName, AssumeRolePolicyDocument: trustManagement }),
    );
    await memberIam.send(
      new AttachRolePolicyCommand({ RoleName: roleName, PolicyArn: ADMINISTRATOR_ACCESS }),
    );

    // The member's rule forwarded it to the central bus, whose detect rule queued it.
    const detectEnv = await deployedEnvironment('detect', securityAdmin);
    const queueUrl = `${endpoint}/${accounts.security}/gatewarden-${STAGE}-detect-events`;
    const queued: Message[] = [];
    const until = Date.now() + 20_000;
    const names = () =>
      new Set(
        queued.map(
          (m) =>
            (JSON.parse(m.Body ?? '{}') as { detail?: { eventName?: string } }).detail?.eventName,
        ),
      );
    while (!(names().has('CreateRole') && names().has('AttachRolePolicy')) && Date.now() < until) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 1,
        }),
      );
      queued.push(...Messages.filter((m) => (m.Body ?? '').includes(roleName)));
    }
    // The CloudTrail record names the member, and so does the envelope's `account`: a rule
    // forwarding an event to another account's bus keeps where it came from, on AWS and here.
    const forwarded = queued.map(
      (m) =>
        JSON.parse(m.Body ?? '{}') as {
          account: string;
          detail: { eventName: string; recipientAccountId: string };
        },
    );
    expect(forwarded.every((e) => e.account === accounts.memberA)).toBe(true);
    // Each event once or more: every forwarding route it matches forwards it (detect dedups).
    expect([...new Set(forwarded.map((e) => e.detail.eventName))].sort()).toEqual([
      'AttachRolePolicy',
      'CreateRole',
    ]);
    expect(forwarded.every((e) => e.detail.recipientAccountId === accounts.memberA)).toBe(true);

    // detect, as its deployed role, over what its queue holds.
    const handler = withClientCredentials(await functionCredentials('detect', securityAdmin), () =>
      makeHandler(defaultDeps({ ...process.env, ...detectEnv })),
    );
    const event: SQSEvent = {
      Records: queued.map((m) => ({
        messageId: m.MessageId ?? '',
        receiptHandle: m.ReceiptHandle ?? '',
        body: m.Body ?? '',
        attributes: {} as SQSEvent['Records'][number]['attributes'],
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: `arn:aws:sqs:${REGION}:${accounts.security}:gatewarden-${STAGE}-detect-events`,
        awsRegion: REGION,
      })),
    };
    expect(await handler(event, {} as Context)).toEqual({ batchItemFailures: [] });

    // Assess: an alert on the central topic, naming the member account and its role.
    const bodies: string[] = [];
    const alertsUntil = Date.now() + 15_000;
    while (!bodies.some((b) => b.includes(roleName)) && Date.now() < alertsUntil) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: alerts.url,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 1,
        }),
      );
      bodies.push(...Messages.map((m) => m.Body ?? ''));
    }
    const alert = bodies.find((b) => b.includes(roleName));
    expect(alert).toBeDefined();
    expect(alert).toContain(accounts.memberA);
  }, 120_000);

  it('reports every account through the members’ read roles; an account without one is reported, not fatal', async () => {
    // Act: the organization report as the central report role.
    const credentials = await functionCredentials('report', securityAdmin);
    const { organization } = await organizationAccessReport(
      {
        directory: new OrganizationsDirectory(new OrganizationsClient(config(credentials))),
        memberSources: (account) =>
          memberSources(account, { stage: STAGE, sts: new STSClient(config(credentials)) }),
        catalog: new IamDataCatalog(),
      },
      { concurrency: 2 },
    );

    // Assess: both members read; the management and security accounts, outside the enrolled
    // OU, have no read role: listed with the refusal, the others read all the same.
    const byId = new Map(organization.accounts.map((a) => [a.id, a]));
    expect(organization.accounts.map((a) => a.id).sort()).toEqual(
      [MANAGEMENT_ACCOUNT, accounts.security, accounts.memberA, accounts.memberB].sort(),
    );
    expect(byId.get(accounts.memberA)).toMatchObject({ status: 'reported', name: 'membera' });
    expect(byId.get(accounts.memberB)).toMatchObject({ status: 'reported', name: 'memberb' });
    for (const id of [MANAGEMENT_ACCOUNT, accounts.security]) {
      expect(byId.get(id)).toMatchObject({ status: 'failed' });
      expect(byId.get(id)?.reason).toMatch(/AccessDenied/);
    }
    const refused = (await consumeDenials()).map((d) => `${d.action} ${d.resource}`).sort();
    expect(refused).toEqual(
      [MANAGEMENT_ACCOUNT, accounts.security]
        .map((id) => `sts:AssumeRole arn:aws:iam::${id}:role/gatewarden-${STAGE}-member-read`)
        .sort(),
    );
  }, 120_000);

  it('doctor --org: fails a member without a usable trail, saying why; passes the organization trail; warns without gateway data events', async () => {
    // Prepare: doctor --org's trail lines as the central report role (the only principal the
    // read roles trust). moto has no StackSet: the instance lines are not asserted here.
    const credentials = await functionCredentials('report', securityAdmin);
    const ports = organizationDoctorPorts({
      stage: STAGE,
      sts: new STSClient(config(credentials)),
      cloudtrail: new CloudTrailClient(config(credentials)),
      directory: new OrganizationsDirectory(new OrganizationsClient(config(credentials))),
    });
    const { centralTrails, memberTrails } = ports;
    const trailLines = async () => {
      const checks = await organizationChecks(
        {
          accounts: ports.accounts,
          stackInstances: () => Promise.resolve([]),
          assumeReadRole: ports.assumeReadRole,
          ...(centralTrails ? { centralTrails } : {}),
          ...(memberTrails ? { memberTrails } : {}),
        },
        { regions: [], stageRegion: REGION },
      );
      // The management and security accounts have no read role (outside the OU).
      await consumeDenials();
      return new Map(
        checks.filter((c) => c.id.startsWith('organization.trail')).map((c) => [c.id, c]),
      );
    };
    const trailOf = (account: string) => `organization.trail:${account}`;
    const dataOf = (account: string) => `organization.trailData:${account}`;

    // Act / Assess: no trail anywhere: each member fails, named.
    let lines = await trailLines();
    for (const member of [accounts.memberA, accounts.memberB]) {
      expect(lines.get(trailOf(member))).toMatchObject({
        status: 'fail',
        message: expect.stringMatching(new RegExp(`^${member} \\(member[ab]\\): no trail logs`)),
      });
    }
    expect(lines.get(trailOf(accounts.security))?.status).toBe('unverified');

    // Member A's administrator makes a trail: single-region, stopped, management events off.
    const memberAdmin = await sessionOf(accounts.memberA, 'member-admin');
    const trailBucket = `org4-trail-${accounts.memberA}`;
    await new S3Client({ ...config(memberAdmin), forcePathStyle: true }).send(
      new CreateBucketCommand({ Bucket: trailBucket }),
    );
    const memberTrail = new CloudTrailClient(config(memberAdmin));
    await memberTrail.send(new CreateTrailCommand({ Name: 'member-a', S3BucketName: trailBucket }));
    await memberTrail.send(
      new PutEventSelectorsCommand({
        TrailName: 'member-a',
        EventSelectors: [{ ReadWriteType: 'All', IncludeManagementEvents: false }],
      }),
    );
    lines = await trailLines();
    expect(lines.get(trailOf(accounts.memberA))).toMatchObject({
      status: 'fail',
      details: ['member-a: not logging, single-region, management events excluded'],
    });

    // Made multi-region and started, all management events: covered, but no gateway data events.
    await memberTrail.send(new UpdateTrailCommand({ Name: 'member-a', IsMultiRegionTrail: true }));
    await memberTrail.send(new StartLoggingCommand({ Name: 'member-a' }));
    await memberTrail.send(
      new PutEventSelectorsCommand({
        TrailName: 'member-a',
        EventSelectors: [{ ReadWriteType: 'All', IncludeManagementEvents: true }],
      }),
    );
    lines = await trailLines();
    expect(lines.get(trailOf(accounts.memberA))).toMatchObject({ status: 'pass' });
    expect(lines.get(dataOf(accounts.memberA))).toMatchObject({
      status: 'warn',
      message: expect.stringContaining(GATEWAY_DATA_TYPE),
    });
    expect(lines.get(trailOf(accounts.memberB))?.status).toBe('fail');

    // The member's administrator then drops IAM's management events (an advanced selector on
    // eventSource): no longer covered, and said why.
    await memberTrail.send(
      new PutEventSelectorsCommand({
        TrailName: 'member-a',
        AdvancedEventSelectors: [
          {
            Name: 'all but IAM',
            FieldSelectors: [
              { Field: 'eventCategory', Equals: ['Management'] },
              { Field: 'eventSource', NotEquals: ['iam.amazonaws.com'] },
            ],
          },
        ],
      }),
    );
    lines = await trailLines();
    expect(lines.get(trailOf(accounts.memberA))).toMatchObject({
      status: 'fail',
      details: ['member-a: management events filtered by event source'],
    });

    // The organization trail, with gateway data events (advanced selectors): every account
    // covered, none warned, member B's trails not even read. Made by the security account as
    // CloudTrail's delegated administrator: on AWS the management account owns it and every
    // member sees it as a shadow trail; moto keeps it in the account that made it, where the
    // central stage's own DescribeTrails reads it.
    const delegated = new CloudTrailClient(config(securityAdmin));
    await new S3Client({ ...config(securityAdmin), forcePathStyle: true }).send(
      new CreateBucketCommand({ Bucket: 'org4-organization-trail' }),
    );
    await delegated.send(
      new CreateTrailCommand({
        Name: 'organization',
        S3BucketName: 'org4-organization-trail',
        IsMultiRegionTrail: true,
        IsOrganizationTrail: true,
      }),
    );
    await delegated.send(
      new PutEventSelectorsCommand({
        TrailName: 'organization',
        AdvancedEventSelectors: [
          {
            Name: 'management',
            FieldSelectors: [{ Field: 'eventCategory', Equals: ['Management'] }],
          },
          {
            Name: 'gateway invocations',
            FieldSelectors: [
              { Field: 'eventCategory', Equals: ['Data'] },
              { Field: 'resources.type', Equals: [GATEWAY_DATA_TYPE] },
            ],
          },
        ],
      }),
    );
    await delegated.send(new StartLoggingCommand({ Name: 'organization' }));
    lines = await trailLines();
    for (const account of [
      MANAGEMENT_ACCOUNT,
      accounts.security,
      accounts.memberA,
      accounts.memberB,
    ]) {
      expect(lines.get(trailOf(account))).toMatchObject({
        status: 'pass',
        message: expect.stringContaining('organization trail organization'),
      });
      expect(lines.has(dataOf(account))).toBe(false);
    }
  }, 120_000);

  it('refuses, with the guardrail SCP on the members’ OU, the member’s administrator the forwarding rule; the StackSet role may', async () => {
    // Prepare: the management account attaches `gatewarden guardrails`' SCP to the OU.
    const organizations = new OrganizationsClient(config());
    const [protect] = guardrails({ stage: STAGE });
    if (protect?.kind !== 'SERVICE_CONTROL_POLICY') throw new Error('no member-resources SCP');
    const policy = await organizations.send(
      new CreatePolicyCommand({
        Name: protect.name,
        Description: 'gatewarden guardrail',
        Type: 'SERVICE_CONTROL_POLICY',
        Content: guardrailJson(protect),
      }),
    );
    await organizations.send(
      new AttachPolicyCommand({
        PolicyId: policy.Policy?.PolicySummary?.Id ?? '',
        TargetId: workloadsOu,
      }),
    );
    const rule = `gatewarden-${STAGE}-org-iam`;

    // Act / Assess: the member's administrator may neither delete the rule nor remove its target.
    const admin = new EventBridgeClient(config(await sessionOf(accounts.memberA, 'member-admin')));
    await expect(admin.send(new DeleteRuleCommand({ Name: rule }))).rejects.toMatchObject({
      name: 'AccessDeniedException',
    });
    await expect(
      admin.send(new RemoveTargetsCommand({ Rule: rule, Ids: ['central-bus'] })),
    ).rejects.toMatchObject({ name: 'AccessDeniedException' });
    const refused = await consumeDenials();
    expect(refused.map((d) => d.action)).toEqual(['events:DeleteRule', 'events:RemoveTargets']);
    expect(refused.every((d) => /service control polic/i.test(d.reason))).toBe(true);
    const still = await admin.send(new ListTargetsByRuleCommand({ Rule: rule }));
    expect(still.Targets?.map((t) => t.Id)).toEqual(['central-bus']);

    // The StackSet's execution role may (member B: its rule, removed as an update would).
    const exec = new EventBridgeClient(config(await sessionOf(accounts.memberB, EXEC_ROLE)));
    await expect(
      exec.send(new RemoveTargetsCommand({ Rule: rule, Ids: ['central-bus'] })),
    ).resolves.toBeDefined();
    await expect(exec.send(new DeleteRuleCommand({ Name: rule }))).resolves.toBeDefined();
  }, 60_000);
  it('doctor --org: a member whose heartbeats arrive passes; one whose forwarder role lost its policy fails, naming its last delivery', async () => {
    // Prepare: moto fires no scheduled rule. What EventBridge does when a member's heartbeat
    // rule fires is put the event AWS writes (`aws.events`, `Scheduled Event`, the rule's ARN
    // in `resources`) on the rule's target, the central bus, as the rule's role: the local
    // stack's rule-delivery hand-over does exactly that (the role's trust and policy and the
    // central bus policy decided by the IAM gate), as it does for every bus target with a role.
    const minutesAgo = (n: number) => new Date(Date.now() - n * 60_000);
    const iso = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');
    const heartbeat = `gatewarden-${STAGE}-org-heartbeat`;
    const fire = async (account: string, at: Date) => {
      const exec = new EventBridgeClient(config(await sessionOf(account, EXEC_ROLE)));
      const { Targets = [] } = await exec.send(new ListTargetsByRuleCommand({ Rule: heartbeat }));
      const target = Targets[0];
      if (!target?.Arn || !target.RoleArn) throw new Error(`no heartbeat target in ${account}`);
      const ruleArn = heartbeatRuleArn(STAGE, account, REGION);
      const response = await fetch(`${endpoint}/_gatewarden/eventbridge/rule-delivery`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          ruleArn,
          roleArn: target.RoleArn,
          targetArn: target.Arn,
          event: {
            source: 'aws.events',
            'detail-type': 'Scheduled Event',
            time: iso(at),
            resources: [ruleArn],
            detail: {},
          },
        }),
      });
      return response.ok;
    };
    // Member A: heartbeats 12 and 2 minutes ago, out of order, one twice. Member B: one 40
    // minutes ago, then its forwarder role's policy removed (as a broken update or drift would),
    // then the next heartbeat.
    expect(await fire(accounts.memberA, minutesAgo(2))).toBe(true);
    expect(await fire(accounts.memberA, minutesAgo(12))).toBe(true);
    expect(await fire(accounts.memberA, minutesAgo(2))).toBe(true);
    const lastOfB = minutesAgo(40);
    expect(await fire(accounts.memberB, lastOfB)).toBe(true);
    const memberBIam = new IAMClient(config(await sessionOf(accounts.memberB, EXEC_ROLE)));
    await memberBIam.send(
      new DeleteRolePolicyCommand({
        RoleName: `gatewarden-${STAGE}-${REGION}-org-forwarder`,
        PolicyName: 'put-on-central-bus',
      }),
    );
    expect(await fire(accounts.memberB, minutesAgo(1))).toBe(false);
    // The gate refused member B's role the put (its heartbeat, and the CloudTrail event of the
    // policy's removal its iam rule would have forwarded).
    const refused = await consumeDenials();
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.every((d) => d.action === 'events:PutEvents')).toBe(true);

    // Attack: member A's administrator puts on the central bus a heartbeat naming member B's
    // rule, as `aws.events` (EventBridge refuses an `aws.` source to any PutEvents caller) and
    // as a custom source (the central bus policy admits `aws.` sources only): nothing arrives.
    const forger = new EventBridgeClient(config(await sessionOf(accounts.memberA, 'member-admin')));
    const centralBus = `arn:aws:events:${REGION}:${accounts.security}:event-bus/default`;
    const forgedEntry = (Source: string) => ({
      EventBusName: centralBus,
      Source,
      DetailType: 'Scheduled Event',
      Detail: '{}',
      Resources: [heartbeatRuleArn(STAGE, accounts.memberB, REGION)],
    });
    const asAws = await forger.send(new PutEventsCommand({ Entries: [forgedEntry('aws.events')] }));
    expect(asAws.Entries?.[0]?.ErrorCode).toBe('NotAuthorizedForSourceException');
    await expect(
      forger.send(new PutEventsCommand({ Entries: [forgedEntry('custom.events')] })),
    ).rejects.toMatchObject({ name: 'AccessDeniedException' });
    const forgedRefused = await consumeDenials();
    expect(forgedRefused.map((d) => d.action)).toEqual(['events:PutEvents']);

    // The central detect rule queued what arrived: four heartbeats, none of member B's last.
    const sqs = new SQSClient(config(securityAdmin));
    const queueUrl = `${endpoint}/${accounts.security}/gatewarden-${STAGE}-detect-events`;
    const queued: Message[] = [];
    const until = Date.now() + 20_000;
    while (queued.length < 4 && Date.now() < until) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 1,
        }),
      );
      queued.push(...Messages.filter((m) => (m.Body ?? '').includes('Scheduled Event')));
    }
    const envelopes = queued.map((m) => JSON.parse(m.Body ?? '{}') as { account: string });
    expect(envelopes.map((e) => e.account).sort()).toEqual(
      [accounts.memberA, accounts.memberA, accounts.memberA, accounts.memberB].sort(),
    );

    // Act: detect, as its deployed role, over them; then doctor --org as the report role.
    const detectEnv = await deployedEnvironment('detect', securityAdmin);
    expect(detectEnv.GATEWARDEN_STAGE).toBe(STAGE);
    const handler = withClientCredentials(await functionCredentials('detect', securityAdmin), () =>
      makeHandler(defaultDeps({ ...process.env, ...detectEnv })),
    );
    const event: SQSEvent = {
      Records: queued.map((m) => ({
        messageId: m.MessageId ?? '',
        receiptHandle: m.ReceiptHandle ?? '',
        body: m.Body ?? '',
        attributes: {} as SQSEvent['Records'][number]['attributes'],
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: `arn:aws:sqs:${REGION}:${accounts.security}:gatewarden-${STAGE}-detect-events`,
        awsRegion: REGION,
      })),
    };
    expect(await handler(event, {} as Context)).toEqual({ batchItemFailures: [] });
    const credentials = await functionCredentials('report', securityAdmin);
    const ports = organizationDoctorPorts({
      stage: STAGE,
      sts: new STSClient(config(credentials)),
      directory: new OrganizationsDirectory(new OrganizationsClient(config(credentials))),
      dynamodb: new DynamoDBClient(config(credentials)),
      ...(detectEnv.GATEWARDEN_STATE_TABLE ? { stateTable: detectEnv.GATEWARDEN_STATE_TABLE } : {}),
    });
    const { deliveries } = ports;
    if (!deliveries) throw new Error('no delivery reader');
    const checks = await organizationChecks(
      {
        accounts: ports.accounts,
        stackInstances: () => Promise.resolve([]),
        assumeReadRole: ports.assumeReadRole,
        deliveries,
      },
      { regions: [], stageRegion: REGION, centralAccount: accounts.security },
    );
    await consumeDenials();
    const lines = new Map(
      checks.filter((c) => c.id.startsWith('organization.delivery')).map((c) => [c.id, c]),
    );

    // Assess
    expect(lines.get(`organization.delivery:${accounts.memberA}`)).toEqual({
      id: `organization.delivery:${accounts.memberA}`,
      area: 'organization',
      status: 'pass',
      message: expect.stringContaining(`heartbeats delivered from ${REGION}`),
    });
    expect(lines.get(`organization.delivery:${accounts.memberB}`)).toMatchObject({
      status: 'fail',
      details: [`no events delivered from ${accounts.memberB} ${REGION} since ${iso(lastOfB)}`],
    });
    expect(lines.get(`organization.delivery:${MANAGEMENT_ACCOUNT}`)).toMatchObject({
      status: 'fail',
      details: [`no events delivered from ${MANAGEMENT_ACCOUNT} ${REGION}: never`],
    });
    expect(lines.get(`organization.delivery:${accounts.security}`)?.message).toMatch(
      /forwards nothing/,
    );
  }, 120_000);
});

describe('rotation where the secrets live: the member rotation StackSet', () => {
  const codeBucket = () => rotationParametersBucket();
  const rotateNowArn = () =>
    memberRotateNowArn({ account: accounts.memberA, region: REGION, stage: STAGE });

  it('gives the member the rotate and rotateNow functions, their code the central stage’s zips', async () => {
    // The central deploy wrote each zip to its code bucket under its SHA-256.
    const central = new S3Client({ ...config(securityAdmin), forcePathStyle: true });
    for (const [name, key] of [
      ['rotate', 'RotateCodeKey'],
      ['rotateNow', 'RotateNowCodeKey'],
    ] as const) {
      const bytes = zips[name];
      if (!bytes) throw new Error(`no ${name} zip`);
      const hex = createHash('sha256').update(bytes).digest('hex');
      expect(rotationParameters[key]).toBe(`member-code/${hex}.zip`);
      const head = await central.send(
        new HeadObjectCommand({ Bucket: codeBucket(), Key: rotationParameters[key] }),
      );
      expect(head.ContentLength).toBe(bytes.length);

      // The member's function, created by its stack instance from that object.
      const lambda = new LambdaClient(config(await sessionOf(accounts.memberA, 'member-admin')));
      const fn = await lambda.send(
        new GetFunctionCommand({ FunctionName: `gatewarden-${STAGE}-${name}` }),
      );
      expect(fn.Configuration?.CodeSha256).toBe(
        createHash('sha256').update(bytes).digest('base64'),
      );
      expect(fn.Configuration?.Role).toBe(
        roleIn(accounts.memberA, `gatewarden-${STAGE}-${REGION}-${name}`),
      );
      expect(fn.Configuration?.Environment?.Variables?.GATEWARDEN_STATE_TABLE).toBe(
        `gatewarden-${STAGE}-state`,
      );
    }
    expect(await consumeDenials()).toEqual([]);
  }, 60_000);

  it('lets the central rotation role invoke the member’s rotateNow, and refuses another role of the security account', async () => {
    const invokerAs = async (role: string) =>
      lambdaInvoker(new LambdaClient(config(await sessionOf(accounts.security, role))));
    // The gate admitted the call (no denial) and it reached the member's function, which moto
    // cannot run: a function error, reported by class only, as the CLI reports one.
    const admitted = await rotateInMember(await invokerAs(CENTRAL_ROTATION_ROLE), rotateNowArn(), {
      sweep: true,
    }).catch((e: unknown) => e as Error);
    expect(await consumeDenials()).toEqual([]);
    expect(admitted).toMatchObject({
      name: 'OnDemandError',
      message: expect.stringMatching(/^the member's rotateNow function failed \(/) as string,
    });

    await expect(
      rotateInMember(await invokerAs('security-analyst'), rotateNowArn(), { sweep: true }),
    ).rejects.toMatchObject({ name: 'AccessDeniedException' });
    const refused = await consumeDenials();
    expect(refused.map((d) => [d.action, d.resource])).toEqual([
      ['lambda:InvokeFunction', rotateNowArn()],
    ]);
  }, 60_000);

  it('refuses a member’s administrator overwriting or deleting the code, and an account outside the organization reading it', async () => {
    const key = rotationParameters.RotateNowCodeKey ?? '';
    const memberS3 = new S3Client({
      ...config(await sessionOf(accounts.memberA, 'member-admin')),
      forcePathStyle: true,
    });
    // The member may read it (as its StackSet execution role does, creating the function) ...
    const read = await memberS3.send(new GetObjectCommand({ Bucket: codeBucket(), Key: key }));
    const body = Buffer.from((await read.Body?.transformToByteArray()) ?? []);
    expect(body.equals(zips.rotateNow ?? Buffer.alloc(0))).toBe(true);
    expect(await consumeDenials()).toEqual([]);
    // ... but not replace it, nor delete it, whatever its own AdministratorAccess says.
    await expect(
      memberS3.send(
        new PutObjectCommand({ Bucket: codeBucket(), Key: key, Body: 'export const handler = 1' }),
      ),
    ).rejects.toMatchObject({ name: 'AccessDenied' });
    await expect(
      memberS3.send(new DeleteObjectCommand({ Bucket: codeBucket(), Key: key })),
    ).rejects.toMatchObject({ name: 'AccessDenied' });
    const refused = await consumeDenials();
    expect(refused.map((d) => d.action)).toEqual(['s3:PutObject', 's3:DeleteObject']);

    // An administrator of an account outside the organization.
    const state = readState(path.join(STATE_DIR, 'local-stack.json'));
    if (!state) throw new Error('no local stack state');
    await grantAccountAccessRole(state.motoUrl, OUTSIDER).catch(async () => {
      // moto made no such role outside the organization: make it there directly.
      const direct = { endpoint: state.motoUrl, region: REGION, maxAttempts: 1 };
      const setup = await roleSession(
        new STSClient(direct),
        roleIn(OUTSIDER, 'account-setup'),
        'account-setup',
      );
      const iam = new IAMClient({ ...direct, credentials: setup });
      await iam.send(
        new CreateRoleCommand({
          RoleName: 'OrganizationAccountAccessRole',
          AssumeRolePolicyDocument: trustManagement,
        }),
      );
      await iam.send(
        new AttachRolePolicyCommand({
          RoleName: 'OrganizationAccountAccessRole',
          PolicyArn: ADMINISTRATOR_ACCESS,
        }),
      );
    });
    const outsider = new S3Client({
      ...config(await sessionOf(OUTSIDER, 'OrganizationAccountAccessRole')),
      forcePathStyle: true,
    });
    await expect(
      outsider.send(new GetObjectCommand({ Bucket: codeBucket(), Key: key })),
    ).rejects.toMatchObject({ name: 'AccessDenied' });
    expect((await consumeDenials()).map((d) => d.action)).toEqual(['s3:GetObject']);
  }, 60_000);

  it('a redeploy leaves the code objects as they are; a different object under a content key fails it and stays', async () => {
    // The deploy step of scripts/memberCodePlugin.cjs, as the security account's deployer, over
    // the central stack: once with the same zips, once with a zip whose key someone planted.
    const work = mkdtempSync(path.join(tmpdir(), 'gw-org4-code-'));
    const upload = async (bytes: Record<string, Buffer>) => {
      for (const [name, content] of Object.entries(bytes))
        writeFileSync(path.join(work, `${name}.zip`), content);
      const Plugin = createRequire(import.meta.url)(
        path.join(ROOT, 'scripts', 'memberCodePlugin.cjs'),
      ) as new (serverless: unknown, options: unknown) => { upload(): Promise<void> };
      const serverless = {
        serviceDir: work,
        getProvider: () => ({
          getAwsSdkV3Config: () =>
            Promise.resolve({ ...config(securityAdmin), forcePathStyle: true }),
          naming: { getStackName: () => `gatewarden-${STAGE}` },
        }),
        service: {
          provider: {
            compiledCloudFormationTemplate: { Resources: { MemberRotationStackSet: {} } },
          },
          getFunction: (name: string) => ({ package: { artifact: `${name}.zip` } }),
        },
      };
      await new Plugin(serverless, {}).upload();
    };
    const s3 = new S3Client({ ...config(securityAdmin), forcePathStyle: true });
    const versions = async (key: string) =>
      (await s3.send(new ListObjectVersionsCommand({ Bucket: codeBucket(), Prefix: key }))).Versions
        ?.length ?? 0;
    const key = rotationParameters.RotateNowCodeKey ?? '';
    const before = await versions(key);

    // The same zips again: nothing is written over what the members' functions name.
    await upload({
      rotate: zips.rotate ?? Buffer.alloc(0),
      rotateNow: zips.rotateNow ?? Buffer.alloc(0),
    });
    expect(await versions(key)).toBe(before);

    // Not even the security account's administrator replaces or deletes a zip the members'
    // functions name: the bucket policy takes only writes with If-None-Match, and no delete.
    await expect(
      s3.send(
        new PutObjectCommand({
          Bucket: codeBucket(),
          Key: key,
          Body: 'replaced',
          ServerSideEncryption: 'AES256',
        }),
      ),
    ).rejects.toMatchObject({ name: 'AccessDenied' });
    await expect(
      s3.send(new DeleteObjectCommand({ Bucket: codeBucket(), Key: key })),
    ).rejects.toMatchObject({ name: 'AccessDenied' });
    const refused = await consumeDenials();
    expect(refused.map((d) => [d.action, /resource-based policy/.test(d.reason)])).toEqual([
      ['s3:PutObject', true],
      ['s3:DeleteObject', true],
    ]);
    expect(await versions(key)).toBe(before);

    // Someone with the security account's rights planted other bytes under the key of a new
    // build (a key no object has yet, so a conditional write): the deploy of that build fails
    // naming the key, and replaces nothing.
    const build = Buffer.concat([zips.rotateNow ?? Buffer.alloc(0), Buffer.from('new build')]);
    const plantedKey = `member-code/${createHash('sha256').update(build).digest('hex')}.zip`;
    await s3.send(
      new PutObjectCommand({
        Bucket: codeBucket(),
        Key: plantedKey,
        Body: 'planted',
        ServerSideEncryption: 'AES256',
        IfNoneMatch: '*',
      }),
    );
    await expect(
      upload({ rotate: zips.rotate ?? Buffer.alloc(0), rotateNow: build }),
    ).rejects.toThrow(`${plantedKey} in ${codeBucket()} is not the rotateNow zip it is named for`);
    const left = await s3.send(new GetObjectCommand({ Bucket: codeBucket(), Key: plantedKey }));
    expect(await left.Body?.transformToString()).toBe('planted');
    expect(await versions(plantedKey)).toBe(1);
    expect(await consumeDenials()).toEqual([]);
  }, 60_000);

  it('with the member-resources SCP on the OU, refuses the member’s administrator the function’s code', async () => {
    // The SCP attached by the guardrail test above (same OU); the execution role is exempt.
    const admin = new LambdaClient(config(await sessionOf(accounts.memberA, 'member-admin')));
    await expect(
      admin.send(
        new UpdateFunctionCodeCommand({
          FunctionName: `gatewarden-${STAGE}-rotateNow`,
          S3Bucket: codeBucket(),
          S3Key: rotationParameters.RotateCodeKey ?? '',
        }),
      ),
    ).rejects.toMatchObject({ name: 'AccessDeniedException' });
    const refused = await consumeDenials();
    expect(refused.map((d) => d.action)).toEqual(['lambda:UpdateFunctionCode']);
    expect(refused.every((d) => /service control polic/i.test(d.reason))).toBe(true);
  }, 60_000);
});

/** The central code bucket, as the central deploy named it. */
let bucketName = '';
function rotationParametersBucket(): string {
  if (!bucketName) throw new Error('no code bucket');
  return bucketName;
}
