import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context } from 'aws-lambda';
import { readFileSync } from 'node:fs';
import type * as DetectModuleShape from '../../../functions/detect.js';
import { asFunctionRole } from '../../../local/functionRole.js';
import { localClient, uniqueName } from '../../support/localStack.js';
import { createQueue, subscribeQueue } from '../../support/queues.js';
import { openRoleStack, type RoleStack } from '../roles/support.js';
import { drainThroughMarker } from './stack.js';

/**
 * Learned facts survive a cold start: one detect container (a module load of the handler, as
 * Lambda starts one) learns that a principal uses Kali, that a function is behind a gateway
 * target and that a role was granted AdministratorAccess; a second container (a fresh module
 * load, its own engine and clients) sees the later records and still raises, as the deployed
 * detect role on the deployed state table. So do the token vault key (a key's deletion is then
 * critical) and a trail's delivery bucket (its deletion high). The records are the rules' own
 * fixtures, renamed for this run and moved to the last hour.
 */

type Raw = Record<string, unknown>;
type DetectModule = typeof DetectModuleShape;

const context = {} as Context;
const sqs = () => localClient(SQSClient);
const KALI =
  'aws-cli/2.15.30 md/awscrt#0.19.19 ua/2.0 os/linux#6.6.9-amd64 md/arch#x86_64 lang/python#3.11.8 md/pyimpl#CPython cfg/retry-mode#standard md/installer#source md/distrib#kali.2024 md/prompt#off md/command#lambda.list-functions';

function fixtureCase(file: string, name: string): Raw[] {
  const parsed = JSON.parse(readFileSync(`lib/detection/rules/${file}`, 'utf8')) as {
    cases: { name: string; records: Raw[] }[];
  };
  const found = parsed.cases.find((c) => c.name === name)?.records;
  if (found === undefined) throw new Error(`no fixture ${name}`);
  return found;
}

/** A record renamed for this run, at `minutesAgo` before now, as its EventBridge event. */
function eventOf(record: Raw, tag: string, minutesAgo: number, index: number): Raw {
  const renamed = JSON.parse(
    JSON.stringify(record)
      .replaceAll('billing-tools', `${tag}-fn`)
      .replaceAll('billing-gateway-7x1k2', `${tag}-gw`)
      .replaceAll('role/developer', `role/${tag}-dev`)
      .replaceAll('assumed-role/developer', `assumed-role/${tag}-dev`)
      .replaceAll('ops-break-glass', `${tag}-glass`),
  ) as Raw;
  const time = new Date(Date.now() - minutesAgo * 60_000).toISOString().replace(/\.\d+Z$/, 'Z');
  const detail: Raw = { ...renamed, eventTime: time, eventID: `${tag}-${index}` };
  return {
    version: '0',
    id: `${tag}-event-${index}`,
    'detail-type': 'AWS API Call via CloudTrail',
    source: `aws.${String(detail.eventSource).split('.')[0]}`,
    account: String(detail.recipientAccountId),
    time,
    region: String(detail.awsRegion),
    resources: [],
    detail,
  };
}

/** A fresh load of the detect module: its own module scope, as a new Lambda container has. */
async function coldModule(load: string): Promise<DetectModule> {
  return (await import(`../../../functions/detect.js?container=${load}`)) as DetectModule;
}

describe('learned facts on a cold detect container, live on the local stack', () => {
  let stack: RoleStack;

  beforeAll(async () => {
    stack = await openRoleStack();
  }, 600_000);

  afterAll(async () => {
    await stack?.close();
  });

  it('a second container still raises what the first one learned', async () => {
    // Prepare: the deployed function's environment, an observer on its alert topic
    const { Environment } = await localClient(LambdaClient).send(
      new GetFunctionConfigurationCommand({ FunctionName: 'gatewarden-local-detect' }),
    );
    const env = { ...process.env, ...(Environment?.Variables ?? {}) };
    const observer = await createQueue(sqs(), uniqueName('gw-cold-alerts'));
    await subscribeQueue(
      localClient(SNSClient),
      sqs(),
      env.GATEWARDEN_ALERT_TOPIC_ARN ?? '',
      observer,
    );
    const tag = uniqueName('cold');
    const [target, update] = fixtureCase(
      'gatewayTargetFunctionModified.fixtures.json',
      'code of a gateway target function replaced (Stratus lambda-overwrite-code)',
    ) as [Raw, Raw];
    const [attach, pass] = fixtureCase(
      'iamPassRoleToCompute.fixtures.json',
      'Glue development endpoint given a role seen granted AdministratorAccess (Rhino Security Labs PassRole + glue:CreateDevEndpoint)',
    ) as [Raw, Raw];
    const kaliRead = {
      ...update,
      eventName: 'ListFunctions20150331',
      requestParameters: null,
      responseElements: null,
      readOnly: true,
      userAgent: KALI,
    };
    const learned = [
      eventOf(target, tag, 50, 1),
      eventOf(attach, tag, 45, 2),
      eventOf(kaliRead, tag, 40, 3),
    ];
    const later = [eventOf(update, tag, 20, 4), eventOf(pass, tag, 15, 5)];

    // Act: container 1 learns; container 2, a fresh module load, sees what follows
    await asFunctionRole(stack.endpoint, 'gatewarden-local-detect', async () => {
      const { defaultDeps, makeHandler } = await coldModule(`${tag}-1`);
      const handler = makeHandler(() => defaultDeps(env));
      for (const event of learned) await handler(event as never, context);
    });
    await asFunctionRole(stack.endpoint, 'gatewarden-local-detect', async () => {
      const { defaultDeps, makeHandler } = await coldModule(`${tag}-2`);
      const handler = makeHandler(() => defaultDeps(env));
      for (const event of later) await handler(event as never, context);
    });
    // Everything the two containers published (each publish done before its handler returned),
    // up to a marker sent through the same topic after them: no fixed wait for stragglers.
    const topicArn = env.GATEWARDEN_ALERT_TOPIC_ARN ?? '';
    const notes = (await drainThroughMarker(sqs(), localClient(SNSClient), topicArn, observer.url))
      .map(
        (m) =>
          JSON.parse(m.Body ?? '{}') as {
            Message?: string;
            MessageAttributes?: Record<string, { Value: string }>;
          },
      )
      .filter((n) => (n.Message ?? '').includes(tag));
    const of = (ruleId: string) =>
      notes.filter((n) => n.MessageAttributes?.ruleId?.Value === ruleId);

    // Assess: the code change is the gateway rule's, raised by the Kali sighting, and alone
    const modified = of('gateway-target-function-modified');
    expect(modified).toHaveLength(1);
    expect(modified[0]?.MessageAttributes?.severity?.Value).toBe('critical');
    expect(modified[0]?.Message).toContain('Kali Linux');
    expect(modified[0]?.Message).toContain(`${tag}-gw`);
    expect(of('lambda-function-changed')).toHaveLength(0);
    // Assess: the admin role passed to Glue is known as privileged (high, not low)
    const passed = of('iam-passrole-to-compute');
    expect(passed).toHaveLength(1);
    expect(passed[0]?.MessageAttributes?.severity?.Value).toBe('high');
  }, 180_000);

  it('a gateway key and a trail bucket learned by one container are known to another', async () => {
    // Prepare: this run's own key id and bucket name (the table outlives one run)
    const tag = uniqueName('cold');
    const own = renamed(tag, {
      '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d': `${tag}-key`,
      'audit-logs-111122223333': `${tag}-audit`,
    });
    const [vault, deletion] = fixtureCase(
      'kmsKeyLoss.fixtures.json',
      'token vault key scheduled for deletion',
    ).map(own) as [Raw, Raw];
    const [trail, removed] = fixtureCase(
      'trailBucketRemoved.fixtures.json',
      'learned trail bucket deleted',
    ).map(own) as [Raw, Raw];

    // Act: container 1 learns; container 2, a fresh module load, sees what follows
    const severities = await acrossTwoContainers(
      stack.endpoint,
      tag,
      [eventOf(vault, tag, 50, 1), eventOf(trail, tag, 45, 2)],
      [eventOf(deletion, tag, 20, 3), eventOf(removed, tag, 15, 4)],
    );

    // Assess: the token vault key's deletion is critical, the trail bucket's deletion high
    expect(severities('kms-key-loss')).toEqual(['critical']);
    expect(severities('trail-bucket-deleted-or-unversioned')).toEqual(['high']);
  }, 180_000);

  it('a user’s creation and a gateway’s rate limits learned by one container are known to another', async () => {
    // Prepare: this run's own user and gateway
    const tag = uniqueName('cold');
    const own = renamed(tag, { 'ops-temp': `${tag}-ops`, 'orders-gw-a1b2c3d4e5': `${tag}-gw` });
    const [create, login] = fixtureCase(
      'consoleLoginWithoutMfa.fixtures.json',
      'user created two days earlier signs in without MFA',
    ).map(own) as [Raw, Raw];
    const [limit, unblock] = fixtureCase(
      'gatewayRateLimitWeakened.fixtures.json',
      'update unblocking a caller held at rate 0',
    ).map(own) as [Raw, Raw];

    // Act: container 1 learns; container 2, a fresh module load, sees what follows
    const severities = await acrossTwoContainers(
      stack.endpoint,
      tag,
      [eventOf(create, tag, 50, 1), eventOf(limit, tag, 45, 2)],
      [eventOf(login, tag, 20, 3), eventOf(unblock, tag, 15, 4)],
    );

    // Assess: the new user's password-only sign-in is high, the unblocked caller high
    expect(severities('console-login-without-mfa')).toEqual(['high']);
    expect(severities('gateway-rate-limit-weakened')).toEqual(['high']);
  }, 180_000);
});

/** A fixture record with names replaced by this run's own (the state table outlives a run). */
function renamed(tag: string, names: Record<string, string>): (record: Raw) => Raw {
  return (record) => {
    let text = JSON.stringify(record);
    for (const [from, to] of Object.entries(names)) text = text.replaceAll(from, to);
    return JSON.parse(text) as Raw;
  };
}

/**
 * Runs `learned` in one fresh load of the deployed detect handler and `later` in another, as
 * its deployed role, and reads the alerts naming `tag` (up to a marker sent after them):
 * severities by rule id.
 */
async function acrossTwoContainers(
  endpoint: string,
  tag: string,
  learned: readonly unknown[],
  later: readonly unknown[],
): Promise<(ruleId: string) => (string | undefined)[]> {
  const { Environment } = await localClient(LambdaClient).send(
    new GetFunctionConfigurationCommand({ FunctionName: 'gatewarden-local-detect' }),
  );
  const env = { ...process.env, ...(Environment?.Variables ?? {}) };
  const topicArn = env.GATEWARDEN_ALERT_TOPIC_ARN ?? '';
  const observer = await createQueue(sqs(), uniqueName('gw-cold-alerts'));
  await subscribeQueue(localClient(SNSClient), sqs(), topicArn, observer);
  for (const [load, events] of [
    ['1', learned],
    ['2', later],
  ] as const) {
    await asFunctionRole(endpoint, 'gatewarden-local-detect', async () => {
      const { defaultDeps, makeHandler } = await coldModule(`${tag}-${load}`);
      const handler = makeHandler(() => defaultDeps(env));
      for (const event of events) await handler(event as never, context);
    });
  }
  const notes = (await drainThroughMarker(sqs(), localClient(SNSClient), topicArn, observer.url))
    .map(
      (m) =>
        JSON.parse(m.Body ?? '{}') as {
          Message?: string;
          MessageAttributes?: Record<string, { Value: string }>;
        },
    )
    .filter((n) => (n.Message ?? '').includes(tag));
  return (ruleId) =>
    notes
      .filter((n) => n.MessageAttributes?.ruleId?.Value === ruleId)
      .map((n) => n.MessageAttributes?.severity?.Value);
}
