import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import {
  CreateEventBusCommand,
  DeleteEventBusCommand,
  DeleteRuleCommand,
  EventBridgeClient,
  PutEventsCommand,
  RemoveTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { DeleteQueueCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { createQueue, ruleToQueue } from '../../support/queues.js';
import { putServiceEvents } from '../../support/serviceEvents.js';
import { testClientConfig, uniqueName } from '../../support/localStack.js';
import { packagedTemplate } from '../../unit/infra/packagedTemplate.js';

/**
 * The packaged detect rules, evaluated by a real EventBridge implementation (moto on the local
 * stack): each rule's EventPattern goes on a private bus with its own SQS target, then
 * CloudTrail events are put on that bus. What the detection rules' positive fixtures need
 * must arrive; unrelated traffic must not. (moto does not model the rule state
 * ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS; the unit test checks state per rule.)
 */

interface Probe {
  label: string;
  source: string;
  detailType: string;
  detail: Record<string, unknown>;
}

const ROOT = process.cwd();
const RULES_DIR = path.join(ROOT, 'lib/detection/rules');

/**
 * Positive fixtures the deployed path does not route, on purpose, with the reason. Replay
 * (`gatewarden detect`) still evaluates them from log files.
 */
const NOT_ROUTED: Record<string, string> = {
  'call-rate-spike':
    'a spike over every read a principal makes would route all account traffic; deployed, it counts routed events',
};

/** Positive fixtures routed only with params.secretReadScope=all (the AllSecretReads rule). */
const ROUTED_WITH_ALL_SECRET_READS = new Set(['secret-bulk-read']);

/** Logical id of the rule that replaces DetectSecretReadsRule when secretReadScope=all. */
const ALL_SECRET_READS_RULE = 'DetectAllSecretReadsRule';

function probeOf(label: string, record: Record<string, unknown>): Probe {
  const service = String(record.eventSource ?? '').split('.')[0];
  const detailType =
    record.eventType === 'AwsServiceEvent'
      ? 'AWS Service Event via CloudTrail'
      : record.eventType === 'AwsConsoleSignIn'
        ? 'AWS Console Sign In via CloudTrail'
        : 'AWS API Call via CloudTrail';
  return { label, source: `aws.${service}`, detailType, detail: record };
}

/** The triggering (last) record of every positive case of the given rules' fixtures. */
async function fixtureProbes(include: (ruleId: string) => boolean): Promise<Probe[]> {
  const probes: Probe[] = [];
  for (const file of (await readdir(RULES_DIR)).filter((f) => f.endsWith('.fixtures.json'))) {
    const fixtures = JSON.parse(await readFile(path.join(RULES_DIR, file), 'utf8')) as {
      ruleId: string;
      cases: { name: string; expect: boolean; records: Record<string, unknown>[] }[];
    };
    if (fixtures.ruleId in NOT_ROUTED || !include(fixtures.ruleId)) continue;
    for (const c of fixtures.cases.filter((x) => x.expect)) {
      const last = c.records.at(-1);
      if (last) probes.push(probeOf(`${fixtures.ruleId}: ${c.name}`, last));
    }
  }
  return probes;
}

/** Sample events shipped in events/ (EventBridge envelopes), the malformed one excepted. */
async function sampleProbes(): Promise<Probe[]> {
  const files = (await readdir(path.join(ROOT, 'events'))).filter(
    (f) => f.startsWith('detect.') && f !== 'detect.malformed.json',
  );
  return Promise.all(
    files.map(async (file) => {
      const event = JSON.parse(await readFile(path.join(ROOT, 'events', file), 'utf8')) as {
        source: string;
        'detail-type': string;
        detail: Record<string, unknown>;
      };
      return {
        label: file,
        source: event.source,
        detailType: event['detail-type'],
        detail: event.detail,
      };
    }),
  );
}

const ACCOUNT = '123456789012';
const caller = {
  type: 'AssumedRole',
  arn: `arn:aws:sts::${ACCOUNT}:assumed-role/app/i-0abc`,
  accountId: ACCOUNT,
};

/** Everyday traffic detect must not be invoked for. */
const UNRELATED: Probe[] = [
  ['secretsmanager', 'GetSecretValue', { secretId: 'app/db-password' }, true],
  ['s3', 'ListBuckets', null, true],
  ['ec2', 'DescribeInstances', null, true],
  ['bedrock-agentcore', 'GetGateway', { gatewayIdentifier: 'gw-1' }, true],
  [
    'sts',
    'AssumeRole',
    { roleArn: `arn:aws:iam::${ACCOUNT}:role/app`, roleSessionName: 's' },
    false,
  ],
  ['dynamodb', 'PutItem', { tableName: 'orders' }, false],
].map(([service, eventName, requestParameters, readOnly]) =>
  probeOf(`unrelated ${String(service)}:${String(eventName)}`, {
    eventVersion: '1.11',
    eventID: `unrelated-${String(eventName)}`,
    eventTime: '2026-11-28T10:00:00Z',
    eventSource: `${String(service)}.amazonaws.com`,
    eventName,
    userIdentity: caller,
    requestParameters,
    readOnly,
    eventType: 'AwsApiCall',
  }),
);

describe('detect routing on a real EventBridge pattern engine', () => {
  const events = new EventBridgeClient(testClientConfig());
  const sqs = new SQSClient(testClientConfig());
  const bus = uniqueName('gw-infra-bus');
  const created: { rule: string; queueUrl: string; logicalId: string }[] = [];

  beforeAll(async () => {
    // Prepare: the packaged rules (default params: gateway-secret reads only) on a private bus.
    const { template } = await packagedTemplate();
    await events.send(new CreateEventBusCommand({ Name: bus }));
    for (const [logicalId, resource] of Object.entries(template.Resources)) {
      const props = resource.Properties as {
        EventPattern?: unknown;
        EventBusName?: unknown;
        Targets?: { Arn: unknown }[];
      };
      const toDetect = JSON.stringify(props?.Targets ?? []).includes('DetectEventsQueue');
      if (resource.Type !== 'AWS::Events::Rule' || !props.EventPattern || !toDetect) continue;
      // The default bus's routing only: the stage bus's rule takes what the us-east-1 forwarder
      // already filtered (test/integration/infra/forwarder.test.ts routes that path).
      if (props.EventBusName !== undefined) continue;
      const rule = uniqueName(`gw-${logicalId.toLowerCase()}`).slice(0, 64);
      const queue = await createQueue(sqs, rule);
      await ruleToQueue(events, {
        sqs,
        rule,
        bus,
        pattern: props.EventPattern,
        queueArn: queue.arn,
      });
      created.push({ rule, queueUrl: queue.url, logicalId });
    }
  }, 300_000);

  afterAll(async () => {
    for (const { rule, queueUrl } of created) {
      await events.send(
        new RemoveTargetsCommand({ Rule: rule, EventBusName: bus, Ids: ['queue'] }),
      );
      await events.send(new DeleteRuleCommand({ Name: rule, EventBusName: bus }));
      await sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl }));
    }
    await events.send(new DeleteEventBusCommand({ Name: bus }));
  });

  /** Puts the probes on the bus and returns, per probe label, the rules that delivered it. */
  async function route(
    probes: Probe[],
    by: 'aws' | 'caller' = 'aws',
  ): Promise<Map<string, string[]>> {
    for (let i = 0; i < probes.length; i += 10) {
      const entries = probes.slice(i, i + 10).map((p, j) => ({
        EventBusName: bus,
        Source: p.source,
        DetailType: p.detailType,
        // The label rides along so a delivery names its probe.
        Detail: JSON.stringify({ ...p.detail, probeIndex: i + j }),
      }));
      // As the AWS services do (PutEvents refuses aws. sources to any caller), or as a caller.
      const put =
        by === 'aws'
          ? await putServiceEvents(entries)
          : await events.send(new PutEventsCommand({ Entries: entries }));
      expect(put.FailedEntryCount ?? 0).toBe(0);
    }
    const routed = new Map<string, string[]>(probes.map((p) => [p.label, []]));
    for (const { queueUrl, logicalId } of created) {
      for (;;) {
        const { Messages = [] } = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }),
        );
        if (Messages.length === 0) break;
        for (const message of Messages) {
          const event = JSON.parse(message.Body ?? '{}') as { detail?: { probeIndex?: number } };
          const probe = probes[event.detail?.probeIndex ?? -1];
          if (probe) routed.get(probe.label)?.push(logicalId);
        }
        // Received messages stay invisible for the default timeout; no delete needed here.
      }
    }
    return routed;
  }

  it('delivers what every rule needs with default params: fixtures and sample events', async () => {
    // Prepare
    const probes = [
      ...(await fixtureProbes((id) => !ROUTED_WITH_ALL_SECRET_READS.has(id))),
      ...(await sampleProbes()),
    ];
    expect(probes.length).toBeGreaterThan(30);

    // Act
    const routed = await route(probes);

    // Assess: nothing a rule needs is dropped on the way (the all-reads rule is off by default)
    const dropped = [...routed]
      .filter(([, rules]) => rules.filter((r) => r !== ALL_SECRET_READS_RULE).length === 0)
      .map(([label]) => label);
    expect(dropped).toEqual([]);
  });

  it('delivers bulk reads of any secret once secretReadScope=all', async () => {
    const probes = await fixtureProbes((id) => ROUTED_WITH_ALL_SECRET_READS.has(id));
    expect(probes.length).toBeGreaterThan(0);
    const routed = await route(probes);
    for (const rules of routed.values()) expect(rules).toContain(ALL_SECRET_READS_RULE);
  });

  it('routes nothing a caller can put: every fixture record with a custom source', async () => {
    // Attack: events:PutEvents on the bus (any principal of the organization, with the
    // organization option) and a real CloudTrail record as detail, under a source of one's own.
    const forged = (await fixtureProbes(() => true)).map((p) => ({
      ...p,
      source: 'custom.forged',
    }));
    const routed = await route(forged, 'caller');
    expect([...routed].filter(([, rules]) => rules.length > 0)).toEqual([]);
  });

  it('ignores unrelated everyday traffic', async () => {
    const routed = await route(UNRELATED);
    const delivered = [...routed].filter(
      ([label, rules]) =>
        rules.filter((r) => r !== ALL_SECRET_READS_RULE).length > 0 ||
        (rules.length > 0 && !label.includes('GetSecretValue')),
    );
    expect(delivered).toEqual([]);
  });

  it.each([
    ['detect.rotationFailed.json', 'DetectSecretsRule'],
    ['detect.getSecretValue.json', 'DetectSecretReadsRule'],
    ['detect.updateGateway.json', 'DetectAgentcoreRule'],
  ])('routes %s through %s', async (file, logicalId) => {
    const probe = (await sampleProbes()).find((p) => p.label === file);
    expect(probe).toBeDefined();
    const routed = await route(probe ? [probe] : []);
    expect(routed.get(file)).toContain(logicalId);
  });
});
