import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageCollector, type UsageFact } from '../../../lib/reports/UsageCollector.js';
import { seededRandom } from '../../support/seededRandom.js';

/*
 * Pins what the collector makes of a varied stream: role sessions (with and without a session
 * issuer, with a path, in another partition), users, root, services and federated callers,
 * data events with and without resource types, refused and failed calls, records missing
 * fields, resource lists past the cap, request-parameter ARNs, and aggregated facts among the
 * records. The expected file was written by the collector before its hot path was tuned; the
 * output, in every order it keeps (principals, events, resources, regions), must not change.
 * It was rewritten once on purpose (GATEWARDEN_UPDATE_EXPECTED=1) when records without an
 * eventTime stopped counting as usage: a record with no time proves nothing about a window.
 */
const EXPECTED = join(import.meta.dirname, '../../fixtures/usage/varied-stream.expected.json');
const ACCOUNT = '111122223333';

const session = (role: string, name: string, issuer = true, partition = 'aws') => ({
  type: 'AssumedRole',
  principalId: `AROAEXAMPLE:${name}`,
  arn: `arn:${partition}:sts::${ACCOUNT}:assumed-role/${role.split('/').pop()}/${name}`,
  accountId: ACCOUNT,
  ...(issuer
    ? {
        sessionContext: {
          sessionIssuer: { type: 'Role', arn: `arn:${partition}:iam::${ACCOUNT}:role/${role}` },
        },
      }
    : {}),
});

/** Callers, attributable or not. */
const IDENTITIES: unknown[] = [
  session('service-role/gw', 's1'),
  session('service-role/gw', 's2'),
  session('ops', 'alice@example.com'),
  session('ops', 'bob@example.com', false),
  session('cn-role', 's1', true, 'aws-cn'),
  { type: 'AssumedRole', arn: `arn:aws:sts::${ACCOUNT}:assumed-role/no-issuer-arn/x` },
  {
    type: 'AssumedRole',
    arn: `arn:aws:sts::${ACCOUNT}:assumed-role/odd/x`,
    sessionContext: { sessionIssuer: { arn: `arn:aws:iam::${ACCOUNT}:user/not-a-role` } },
  },
  { type: 'IAMUser', arn: `arn:aws:iam::${ACCOUNT}:user/alice`, accountId: ACCOUNT },
  { arn: `arn:aws:iam::444455556666:user/path/carol` },
  { type: 'Root', arn: `arn:aws:iam::${ACCOUNT}:root`, accountId: ACCOUNT },
  { type: 'AWSService', invokedBy: 'lambda.amazonaws.com' },
  { type: 'FederatedUser', arn: `arn:aws:sts::${ACCOUNT}:federated-user/dave` },
  { type: 'WebIdentityUser', principalId: 'accounts.google.com:1' },
  undefined,
  null,
  'not an identity',
];

/** [eventSource, eventName, data event?]; some names repeat across services. */
const OPERATIONS: [string, string, boolean][] = [
  ['secretsmanager.amazonaws.com', 'GetSecretValue', false],
  ['secretsmanager.amazonaws.com', 'ListTagsForResource', false],
  ['kms.amazonaws.com', 'ListTagsForResource', false],
  ['kms.amazonaws.com', 'Decrypt', false],
  ['s3.amazonaws.com', 'GetObject', true],
  ['s3.amazonaws.com', 'ListObjectsV2', false],
  ['lambda.amazonaws.com', 'Invoke', true],
  ['lambda.amazonaws.com', 'GetFunction20150331v2', false],
  ['bedrock-agentcore.amazonaws.com', 'GetResourceApiKey', true],
  ['bedrock-agentcore.amazonaws.com', 'UpdateGateway', false],
  ['dynamodb.amazonaws.com', 'GetItem', true],
  ['sts.amazonaws.com', 'GetCallerIdentity', false],
];

const REGIONS = ['us-east-1', 'eu-west-1', 'us-east-1', 'ap-southeast-2', undefined];
const ERRORS = [
  'AccessDenied',
  'Client.UnauthorizedOperation',
  'ThrottlingException',
  'ResourceNotFoundException',
];

function resourceArn(source: string, n: number): string {
  return source.startsWith('s3.')
    ? `arn:aws:s3:::bucket-${n % 3}/key-${n}`
    : `arn:aws:${source.split('.')[0]}:us-east-1:${ACCOUNT}:thing/r-${n}`;
}

function time(random: () => number): string {
  const ms = Date.UTC(2026, 9, 20) + Math.floor(random() * 50 * 86_400_000);
  const iso = new Date(ms).toISOString();
  return random() < 0.5 ? iso.replace(/\.\d+Z$/, 'Z') : iso;
}

/** Records and facts, in one order: the collector's output depends on it. */
function variedStream(): ({ record: unknown } | { fact: UsageFact })[] {
  const random = seededRandom(11);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const stream: ({ record: unknown } | { fact: UsageFact })[] = [
    { record: null },
    { record: 'not a record' },
    { record: 42 },
    { record: {} },
  ];
  for (let i = 0; i < 4000; i++) {
    const [eventSource, eventName, data] = pick(OPERATIONS);
    // A few operations touch many resources, to pass the cap.
    const pool = eventName === 'GetObject' || eventName === 'Decrypt' ? 40 : 4;
    const record: Record<string, unknown> = {
      eventVersion: '1.11',
      userIdentity: pick(IDENTITIES),
      eventTime: time(random),
      eventSource,
      eventName,
      awsRegion: pick(REGIONS),
      eventCategory: data ? 'Data' : 'Management',
    };
    const shape = random();
    if (shape < 0.45) {
      record.resources = [
        {
          type: data ? `AWS::Type::${eventName}` : undefined,
          ARN: resourceArn(eventSource, Math.floor(random() * pool)),
        },
        ...(random() < 0.2 ? [{ type: 'AWS::Extra', ARN: resourceArn(eventSource, 999) }] : []),
      ];
    } else if (shape < 0.55) {
      record.resources = [{ type: 'AWS::NoArn' }, null];
      record.requestParameters = { name: resourceArn(eventSource, 500) };
    } else if (shape < 0.8) {
      record.requestParameters = {
        secretId: resourceArn(eventSource, Math.floor(random() * pool)),
        maxResults: 50,
        note: 'not an arn',
        nested: { arn: resourceArn(eventSource, 777) },
      };
    } else if (shape < 0.9) {
      record.requestParameters = null;
    }
    const fault = random();
    if (fault < 0.08) record.errorCode = pick(ERRORS);
    else if (fault < 0.1) delete record.eventTime;
    else if (fault < 0.11) delete record.eventSource;
    else if (fault < 0.12) delete record.eventName;
    else if (fault < 0.13) delete record.userIdentity;
    else if (fault < 0.14) delete record.eventCategory;
    stream.push({ record });
    // Bursts of distinct resources in the middle of the stream, listed or in the request.
    if (i === 2500) {
      for (let n = 0; n < 70; n++) {
        stream.push({
          record: {
            userIdentity: IDENTITIES[n % 2],
            eventTime: time(random),
            eventSource: 's3.amazonaws.com',
            eventName: 'GetObject',
            eventCategory: 'Data',
            resources: [{ type: 'AWS::S3::Object', ARN: `arn:aws:s3:::burst/${n}` }],
          },
        });
        stream.push({
          record: {
            userIdentity: IDENTITIES[7],
            eventTime: time(random),
            eventSource: 'kms.amazonaws.com',
            eventName: 'Decrypt',
            requestParameters: { keyId: `arn:aws:kms:us-east-1:${ACCOUNT}:key/burst-${n}` },
          },
        });
      }
    }
    if (i % 500 === 0) {
      stream.push({
        fact: {
          identity: { type: 'AssumedRole', issuerArn: `arn:aws:iam::${ACCOUNT}:role/ops` },
          eventSource,
          eventName,
          count: 7,
          ...(i % 1000 === 0 ? { resources: [resourceArn(eventSource, 3)] } : {}),
          lastSeen: '2026-11-01T00:00:00Z',
          ...(data ? { eventCategory: 'Data' } : {}),
        },
      });
    }
  }
  return stream;
}

/** Everything the collector kept, as plain JSON, in the order it kept it. */
function snapshotOf(collector: UsageCollector): unknown {
  const { stats } = collector;
  return {
    stats: { ...stats, regions: [...stats.regions], dataEventsLogged: [...stats.dataEventsLogged] },
    quality: collector.quality,
    principals: [...collector.principals].map(([key, usage]) => ({
      key,
      arn: usage.arn,
      type: usage.type,
      events: [...usage.events].map(([eventKey, event]) => ({
        eventKey,
        ...event,
        resources: [...event.resources],
      })),
    })),
  };
}

function collect(window?: { from: string; to: string }): unknown {
  const collector = new UsageCollector(window);
  for (const item of variedStream()) {
    if ('fact' in item) collector.addFact(item.fact);
    else collector.addRecord(item.record);
  }
  return snapshotOf(collector);
}

describe('UsageCollector on a varied stream', () => {
  if (process.env.GATEWARDEN_UPDATE_EXPECTED === '1')
    writeFileSync(
      EXPECTED,
      `${JSON.stringify(
        {
          unbounded: collect(),
          window: collect({ from: '2026-10-25T00:00:00.000Z', to: '2026-11-30T00:00:00.000Z' }),
        },
        null,
        1,
      )}\n`,
    );
  const expected = JSON.parse(readFileSync(EXPECTED, 'utf8')) as Record<string, unknown>;

  it.each([
    ['without a window', 'unbounded', undefined],
    [
      'within a window (records without a time are skipped)',
      'window',
      { from: '2026-10-25T00:00:00.000Z', to: '2026-11-30T00:00:00.000Z' },
    ],
  ])('keeps what it kept before, %s', (_label, key, window) => {
    // Act
    const actual = collect(window);
    // Assess
    expect(actual).toEqual(expected[key]);
  });
});
