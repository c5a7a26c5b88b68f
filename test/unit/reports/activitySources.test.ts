import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  LakeActivitySource,
  LookupEventsActivitySource,
} from '../../../lib/aws/activitySources.js';
import { inReportScope } from '../../../lib/reports/callers.js';
import { UsageCollector } from '../../../lib/reports/UsageCollector.js';

/*
 * The local Lake stand-in answers only what is queued for it, in order, and the local
 * stand-in's LookupEvents does not throttle on demand. So these tests put a fake CloudTrail
 * endpoint (a small HTTP server speaking the awsJson1_1 wire protocol) behind the real SDK
 * client: the SDK's serialisation and the adapters' paging, polling and backoff are real;
 * the service is not.
 */
type Handler = (
  operation: string,
  body: Record<string, unknown>,
) => { status?: number; body: unknown };

async function fakeCloudTrail(
  handler: Handler,
): Promise<{ client: CloudTrailClient; server: Server; calls: string[] }> {
  const calls: string[] = [];
  const server = createServer(async (req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const operation =
      String(req.headers['x-amz-target'] ?? '')
        .split('.')
        .pop() ?? '';
    calls.push(operation);
    const reply = handler(operation, JSON.parse(Buffer.concat(chunks).toString() || '{}'));
    res.writeHead(reply.status ?? 200, { 'content-type': 'application/x-amz-json-1.1' });
    res.end(JSON.stringify(reply.body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const client = new CloudTrailClient({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
  return { client, server, calls };
}

const window = { from: new Date('2026-11-01T00:00:00Z'), to: new Date('2026-11-28T00:00:00Z') };
const role = 'arn:aws:iam::111122223333:role/gw';

describe('LakeActivitySource (fake CloudTrail endpoint: each query answered by its id)', () => {
  let fake: Awaited<ReturnType<typeof fakeCloudTrail>>;
  let polls = 0;
  const statements: string[] = [];
  beforeAll(async () => {
    fake = await fakeCloudTrail((operation, body) => {
      if (operation === 'StartQuery') {
        statements.push(String(body.QueryStatement));
        return { body: { QueryId: `q-${statements.length}` } };
      }
      if (body.QueryId === 'q-2')
        // The records per day: a date and a timestamp print, and rows that prove no day.
        return {
          body: {
            QueryStatus: 'FINISHED',
            QueryResultRows: [
              [{ day: '2026-11-01' }, { records: '40' }],
              [{ day: '2026-11-27 00:00:00.000' }, { records: '3' }],
              [{ day: 'not a day' }, { records: '9' }],
              [{ day: '2026-11-10' }, { records: '0' }],
            ],
          },
        };
      polls += 1;
      if (polls === 1) return { body: { QueryStatus: 'RUNNING' } };
      const row = (name: string, calls: string) => [
        { identityType: 'AssumedRole' },
        { identityArn: 'arn:aws:sts::111122223333:assumed-role/gw/s' },
        { issuerArn: role },
        { eventSource: 'secretsmanager.amazonaws.com' },
        { eventName: name },
        { calls },
        { lastSeen: '2026-11-20 10:00:01.000' },
      ];
      return body.NextToken === undefined
        ? {
            body: {
              QueryStatus: 'FINISHED',
              QueryResultRows: [row('GetSecretValue', '7')],
              NextToken: 'page-2',
            },
          }
        : { body: { QueryStatus: 'FINISHED', QueryResultRows: [row('DescribeSecret', '2')] } };
    });
  });
  afterAll(() => fake.server.close());

  it('starts one aggregate query, polls until finished and reads every page', async () => {
    // Prepare
    const collector = new UsageCollector({
      from: window.from.toISOString(),
      to: window.to.toISOString(),
    });
    const source = new LakeActivitySource(
      'arn:aws:cloudtrail:us-east-1:111122223333:eventdatastore/eds-1',
      fake.client,
      { pollMs: 1 },
    );
    // Act
    await source.collect(window, collector);
    // Assess
    expect(statements[0]).toMatch(
      /FROM eds-1\nWHERE eventTime >= '2026-11-01 00:00:00' AND eventTime <= '2026-11-28 00:00:00'/,
    );
    expect(statements[1]).toBe(
      [
        "SELECT date_format(eventTime, '%Y-%m-%d') AS day, COUNT(*) AS records",
        'FROM eds-1',
        "WHERE eventTime >= '2026-11-01 00:00:00' AND eventTime <= '2026-11-28 00:00:00'",
        "GROUP BY date_format(eventTime, '%Y-%m-%d')",
      ].join('\n'),
    );
    expect(fake.calls).toEqual([
      'StartQuery',
      'GetQueryResults',
      'GetQueryResults',
      'GetQueryResults',
      'StartQuery',
      'GetQueryResults',
    ]);
    // The days the trail covers, from the second query (the rows of no day skipped).
    expect(collector.days.span()).toEqual({
      first: Date.parse('2026-11-01') / 86_400_000,
      last: Date.parse('2026-11-27') / 86_400_000,
    });
    expect(collector.days.count(Date.parse('2026-11-10') / 86_400_000)).toBe(0);
    const usage = collector.principals.get('111122223333|role|gw');
    expect(usage?.events.get('secretsmanager.amazonaws.com|GetSecretValue')).toMatchObject({
      count: 7,
      resourcesUnknown: true,
      lastSeen: '2026-11-20T10:00:01Z',
    });
    expect(collector.stats.eventsAttributed).toBe(9);
  });

  it('refuses an event data store name that could inject SQL', () => {
    expect(() => new LakeActivitySource("eds'; DROP", fake.client)).toThrow(/id or ARN/);
  });
});

describe('LookupEventsActivitySource (fake endpoint that throttles on demand)', () => {
  it('pages through events and retries throttled pages', async () => {
    let calls = 0;
    const event = (name: string) => ({
      EventId: name,
      CloudTrailEvent: JSON.stringify({
        eventTime: '2026-11-20T10:00:00Z',
        eventSource: 'bedrock-agentcore.amazonaws.com',
        eventName: name,
        userIdentity: { type: 'AssumedRole', arn: 'arn:aws:sts::111122223333:assumed-role/gw/s' },
      }),
    });
    const fake = await fakeCloudTrail((_operation, body) => {
      calls += 1;
      if (calls === 2)
        return { status: 400, body: { __type: 'ThrottlingException', message: 'Rate exceeded' } };
      return body.NextToken === undefined
        ? { body: { Events: [event('GetGateway')], NextToken: 't2' } }
        : {
            body: {
              Events: [event('ListGateways'), { EventId: 'bad', CloudTrailEvent: '{not json' }],
            },
          };
    });
    try {
      const collector = new UsageCollector();
      const { issues } = await new LookupEventsActivitySource(fake.client, {
        minIntervalMs: 0,
      }).collect(window, collector);
      expect(fake.calls).toEqual(['LookupEvents', 'LookupEvents', 'LookupEvents']);
      expect(
        [...(collector.principals.get('111122223333|role|gw')?.events.keys() ?? [])].sort(),
      ).toEqual([
        'bedrock-agentcore.amazonaws.com|GetGateway',
        'bedrock-agentcore.amazonaws.com|ListGateways',
      ]);
      expect(issues).toEqual([
        { input: 'event bad', reason: expect.stringMatching(/not valid JSON/) },
      ]);
    } finally {
      fake.server.close();
    }
  });

  it('stops at its time budget and says usage is partial', async () => {
    // Prepare: an endpoint that always has another page.
    const fake = await fakeCloudTrail(() => ({ body: { Events: [], NextToken: 'more' } }));
    try {
      // Act
      const { issues } = await new LookupEventsActivitySource(fake.client, {
        minIntervalMs: 20,
        budgetMs: 100,
      }).collect(window, new UsageCollector());
      // Assess
      expect(fake.calls.length).toBeGreaterThan(1);
      expect(issues).toEqual([
        {
          input: 'CloudTrail LookupEvents',
          reason: expect.stringMatching(
            /^cut short after \d+ pages \(time budget\): usage is partial/,
          ),
        },
      ]);
    } finally {
      fake.server.close();
    }
  });
});

describe('LookupEvents filtered to the principals the report covers', () => {
  const covered = new Set(['111122223333|role|gw', '111122223333|user|alice']);
  const record = (eventSource: string, userIdentity: unknown) => ({
    eventTime: '2026-11-20T10:00:00Z',
    eventSource,
    eventName: eventSource.startsWith('bedrock') ? 'CreateGateway' : 'GetSecretValue',
    userIdentity,
  });
  const session = (roleName: string, account = '111122223333') => ({
    type: 'AssumedRole',
    arn: `arn:aws:sts::${account}:assumed-role/${roleName}/s`,
    sessionContext: { sessionIssuer: { arn: `arn:aws:iam::${account}:role/path/${roleName}` } },
  });

  it.each([
    ['a covered role session', record('secretsmanager.amazonaws.com', session('gw')), true],
    ['another role', record('secretsmanager.amazonaws.com', session('other')), false],
    [
      'the same role name in another account',
      record('secretsmanager.amazonaws.com', session('gw', '999999999999')),
      false,
    ],
    [
      'a covered user',
      record('secretsmanager.amazonaws.com', {
        type: 'IAMUser',
        arn: 'arn:aws:iam::111122223333:user/alice',
      }),
      true,
    ],
    [
      'an AWS service',
      record('secretsmanager.amazonaws.com', { type: 'AWSService', invokedBy: 'x' }),
      false,
    ],
    [
      'an AgentCore call by anyone (managers outside the IAM data)',
      record('bedrock-agentcore.amazonaws.com', session('outsider', '999999999999')),
      true,
    ],
  ])('%s → %s', (_label, r, expected) => {
    expect(inReportScope(r, covered)).toBe(expected);
  });

  it('aggregates only covered callers and counts the rest as read, out of scope', async () => {
    // Prepare
    const events = [
      record('secretsmanager.amazonaws.com', session('gw')),
      record('secretsmanager.amazonaws.com', session('other')),
      record('secretsmanager.amazonaws.com', session('other')),
    ].map((r, i) => ({ EventId: `e${i}`, CloudTrailEvent: JSON.stringify(r) }));
    const fake = await fakeCloudTrail(() => ({ body: { Events: events } }));
    try {
      const collector = new UsageCollector();
      // Act
      await new LookupEventsActivitySource(fake.client, { minIntervalMs: 0 }).collect(
        { ...window, principals: covered },
        collector,
      );
      // Assess
      expect([...collector.principals.keys()]).toEqual(['111122223333|role|gw']);
      expect(collector.stats).toMatchObject({
        eventsRead: 3,
        eventsOutOfScope: 2,
        eventsAttributed: 1,
      });
    } finally {
      fake.server.close();
    }
  });
});
