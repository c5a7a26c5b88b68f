import {
  AthenaClient,
  CreateWorkGroupCommand,
  GetQueryExecutionCommand,
  ListQueryExecutionsCommand,
} from '@aws-sdk/client-athena';
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { CreateBucketCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { Context } from 'aws-lambda';
import scheduleEvent from '../../../events/report.schedule.json' with { type: 'json' };
import { defaultDeps, makeHandler } from '../../../functions/report.js';
import { AthenaActivitySource } from '../../../lib/aws/activitySources.js';
import { ATHENA_COLUMNS, ATHENA_DAY_COLUMNS } from '../../../lib/reports/athenaQuery.js';
import { IamDataCatalog } from '../../../lib/reports/catalog.js';
import { AuthorizationDetailsFile } from '../../../lib/reports/iamFile.js';
import { generateReport } from '../../../lib/reports/report.js';
import type { AccessReport } from '../../../lib/reports/reportTypes.js';
import { DEFAULT_KEPT_CLAIMS } from '../../../lib/tools/invokeRecord.js';
import type { ToolReport } from '../../../lib/tools/report.js';
import { toolUsageColumns } from '../../../lib/tools/toolUsageQuery.js';
import {
  localStack,
  testClientConfig,
  testS3Config,
  uniqueName,
} from '../../support/localStack.js';

/**
 * The Athena usage source against moto's Athena with the real SDK: moto does not run SQL, so
 * the aggregated rows the query would return are seeded through moto's documented results
 * queue (`/moto-api/static/athena/query-results`); what is exercised is the real
 * StartQueryExecution → GetQueryExecution → GetQueryResults exchange and the mapping of its
 * rows. Each report runs two queries, in order: the usage aggregate, then the records per day
 * (whether the trail covers the window); each is seeded its own result, in that order. The
 * SQL itself is tested in test/unit/reports/athenaQuery.test.ts.
 */

const fixtures = new URL('../../fixtures/iam/', import.meta.url).pathname;
const A = '210987654321';
const cell = (v: string) => ({ VarCharValue: v });

async function seedAthenaResult(rows: string[][]): Promise<void> {
  const response = await fetch(`${localStack().endpoint}/moto-api/static/athena/query-results`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      region: localStack().region,
      results: [{ rows: rows.map((r) => ({ Data: r.map(cell) })), column_info: [] }],
    }),
  });
  if (response.status !== 201) throw new Error(`seeding Athena failed: ${response.status}`);
}

/** Rows of the records-per-day query: one per day given. */
const dayRows = (...days: string[]) => [[...ATHENA_DAY_COLUMNS], ...days.map((d) => [d, '120'])];

describe('usage aggregated on Athena (local stack)', () => {
  let report: AccessReport;
  let sql: string;
  let source: AthenaActivitySource;
  const now = new Date('2026-11-28T00:00:00Z');

  beforeAll(async () => {
    // Prepare: a results bucket and the rows the aggregating query returns (header first).
    const bucket = uniqueName('gw-athena-results').toLowerCase();
    await new S3Client(testS3Config()).send(new CreateBucketCommand({ Bucket: bucket }));
    await seedAthenaResult([
      [...ATHENA_COLUMNS],
      [
        'AssumedRole',
        `arn:aws:sts::${A}:assumed-role/gateway-deployer/session`,
        `arn:aws:iam::${A}:role/gateway-deployer`,
        'bedrock-agentcore.amazonaws.com',
        'CreateGateway',
        'Management',
        '4',
        '2026-11-20T14:31:02Z',
      ],
      [
        'AssumedRole',
        `arn:aws:sts::${A}:assumed-role/gw-crm-execution/x`,
        `arn:aws:iam::${A}:role/service-role/gw-crm-execution`,
        'lambda.amazonaws.com',
        'Invoke',
        'Data',
        '1200',
        '2026-11-27T23:59:59Z',
      ],
    ]);
    // The trail has records on every day of the window (2026-08-30 → 2026-11-28) but a quiet
    // week, 2026-09-24 → 2026-09-30 (up to 7 days without a record: a warning only).
    const windowDays = Array.from({ length: 91 }, (_, i) =>
      new Date(Date.parse('2026-08-30T00:00:00Z') + i * 86_400_000).toISOString().slice(0, 10),
    );
    await seedAthenaResult(
      dayRows(...windowDays.filter((d) => d < '2026-09-24' || d > '2026-09-30')),
    );
    source = new AthenaActivitySource(
      { database: 'security', table: 'cloudtrail_pp' },
      { outputLocation: `s3://${bucket}/results/`, pollMs: 10 },
      new AthenaClient(testClientConfig()),
    );
    sql = source.query({ from: new Date('2026-08-30T00:00:00Z'), to: now });
    // Act
    report = await generateReport({
      iam: new AuthorizationDetailsFile(`${fixtures}account-authorization-details.json`),
      activity: source,
      catalog: new IamDataCatalog(),
      now: () => now,
    });
  }, 60_000);

  it('reads principal × action × count × last seen from the query results', () => {
    // Assess
    expect(report.sources.usage).toBe('known');
    expect(report.sources.issues.map((i) => i.reason)).toContain(
      'no record on 2026-09-24 → 2026-09-30 (7 days inside the window): a quiet account, or logs missing',
    );
    expect(report.sources.activity).toEqual({
      kind: 'athena',
      description: 'Athena security.cloudtrail_pp',
    });
    expect(report.sources.eventsAttributed).toBe(1204);
    const deployer = report.roles.find((r) => r.name === 'gateway-deployer');
    expect(deployer).toMatchObject({
      usedActions: ['bedrock-agentcore:CreateGateway'],
      lastUsed: '2026-11-20T14:31:02Z',
      eventCount: 4,
    });
    expect(sql).toContain(`"timestamp" BETWEEN '2026/08/30' AND '2026/11/28'`);
  });

  it('learns from the Data rows which data events the trail logs', () => {
    expect(report.sources.dataEventsLogged).toEqual(['source:lambda.amazonaws.com']);
    const gw = report.roles.find((r) => r.name === 'gw-crm-execution');
    expect(gw?.usedActions).toContain('lambda:InvokeFunction');
    // Aggregated rows carry no resources: the granted ARNs stay, nothing is narrowed.
    expect(gw?.recommendedPolicy?.Statement).toContainEqual({
      Effect: 'Allow',
      Action: ['lambda:InvokeFunction'],
      Resource: [
        `arn:aws:lambda:us-east-1:${A}:function:crm-tools`,
        `arn:aws:lambda:us-east-1:${A}:function:crm-tools:*`,
      ],
    });
  });

  it('counts days as the log-file sources do: records on one day only make usage partial', async () => {
    // Prepare: the same usage rows, but the trail's records on 2026-10-15 only (planted).
    await seedAthenaResult([
      [...ATHENA_COLUMNS],
      [
        'AssumedRole',
        `arn:aws:sts::${A}:assumed-role/gateway-deployer/session`,
        `arn:aws:iam::${A}:role/gateway-deployer`,
        'sts.amazonaws.com',
        'GetCallerIdentity',
        'Management',
        '1',
        '2026-10-15T12:00:00Z',
      ],
    ]);
    await seedAthenaResult(dayRows('2026-10-15'));
    // Act
    const partial = await generateReport({
      iam: new AuthorizationDetailsFile(`${fixtures}account-authorization-details.json`),
      activity: source,
      catalog: new IamDataCatalog(),
      now: () => now,
    });
    // Assess: nothing is unused or idle; the missing days are named.
    expect(partial.sources.usage).toBe('partial');
    expect(partial.sources.usageMissingDays).toEqual([
      { from: '2026-08-30', to: '2026-10-14' },
      { from: '2026-10-16', to: '2026-11-28' },
    ]);
    expect([...partial.roles, ...partial.principals].every((p) => !p.usageKnown)).toBe(true);
    expect(
      partial.findings.filter(
        (f) => f.checkId === 'idle-principal' || f.checkId === 'unused-permissions',
      ),
    ).toEqual([]);
  }, 60_000);
});

describe('the deployed report with the stack option AthenaReport (local stack)', () => {
  it('runs the scheduled handler on Athena in the stack workgroup, the query pruned to the window', async () => {
    // Prepare: what the stack creates (a workgroup enforcing its results bucket, a role with
    // a grant) and the environment serverless.yml gives the function under UseAthena.
    const config = testClientConfig();
    const athena = new AthenaClient(config);
    const s3 = new S3Client(testS3Config());
    const results = uniqueName('gw-athena-wg').toLowerCase();
    const reports = uniqueName('gw-reports-athena').toLowerCase();
    await s3.send(new CreateBucketCommand({ Bucket: results }));
    await s3.send(new CreateBucketCommand({ Bucket: reports }));
    const workgroup = uniqueName('gatewarden-local-report');
    await athena.send(
      new CreateWorkGroupCommand({
        Name: workgroup,
        Configuration: {
          EnforceWorkGroupConfiguration: true,
          ResultConfiguration: { OutputLocation: `s3://${results}/results/` },
        },
      }),
    );
    const roleName = uniqueName('gw-athena-exec');
    const iam = new IAMClient(config);
    const role = await iam.send(
      new CreateRoleCommand({
        RoleName: roleName,
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { Service: 'bedrock-agentcore.amazonaws.com' },
              Action: 'sts:AssumeRole',
            },
          ],
        }),
      }),
    );
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: roleName,
        PolicyName: 'secrets',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
              Resource: '*',
            },
          ],
        }),
      }),
    );
    const account = role.Role?.Arn?.split(':')[4] ?? '';
    await seedAthenaResult([
      [...ATHENA_COLUMNS],
      [
        'AssumedRole',
        `arn:aws:sts::${account}:assumed-role/${roleName}/s`,
        role.Role?.Arn ?? '',
        'secretsmanager.amazonaws.com',
        'GetSecretValue',
        'Management',
        '31',
        '2026-11-27T08:00:00Z',
      ],
    ]);
    // Records on every day of the 30-day window the handler reads (its "now" is the clock's).
    const day = (ago: number) => new Date(Date.now() - ago * 86_400_000).toISOString().slice(0, 10);
    await seedAthenaResult(dayRows(...Array.from({ length: 31 }, (_, i) => day(30 - i))));
    // The tool report's own query comes third: one group of InvokeGateway data events.
    await seedAthenaResult([
      toolUsageColumns(DEFAULT_KEPT_CLAIMS.length),
      toolUsageColumns(DEFAULT_KEPT_CLAIMS.length).map(
        (c) =>
          ({
            gateway_arn: `arn:aws:bedrock-agentcore:us-east-1:${account}:gateway/gw-athena-sched`,
            claims_object: 'object',
            sub: '"agent-7"',
            method: '"tools/call"',
            tool: '"crm___get"',
            target_id: '"T1"',
            status_code: '200',
            calls: '12',
            first_seen: '2026-11-26T08:00:00Z',
            last_seen: '2026-11-27T08:00:00Z',
          })[c] ?? '',
      ),
    ]);
    const env = {
      ...process.env,
      GATEWARDEN_REPORT_BUCKET: reports,
      GATEWARDEN_REPORT_DAYS: '30',
      GATEWARDEN_EVENT_BUS_NAME: '',
      GATEWARDEN_ALERT_TOPIC_ARN: '',
      GATEWARDEN_TRAIL_BUCKET: 'trail-bucket-never-read',
      GATEWARDEN_REPORT_ATHENA_TABLE: 'gatewarden_local.cloudtrail',
      GATEWARDEN_REPORT_ATHENA_WORKGROUP: workgroup,
    };

    // Act
    const result = await makeHandler(() => defaultDeps(env))(scheduleEvent as never, {} as Context);

    // Assess: the stored report read usage from Athena, not from the trail bucket's files.
    const latest = await s3.send(
      new GetObjectCommand({ Bucket: reports, Key: 'reports/latest.json' }),
    );
    const { prefix } = JSON.parse((await latest.Body?.transformToString()) ?? '{}') as {
      prefix: string;
    };
    const stored = JSON.parse(
      (await (
        await s3.send(new GetObjectCommand({ Bucket: reports, Key: `${prefix}/report.json` }))
      ).Body?.transformToString()) ?? '{}',
    ) as AccessReport;
    expect(result.location).toContain(reports);
    expect(stored.sources.activity).toEqual({
      kind: 'athena',
      description: `Athena gatewarden_local.cloudtrail (workgroup ${workgroup})`,
    });
    expect(stored.roles.find((r) => r.name === roleName)).toMatchObject({
      usedActions: ['secretsmanager:GetSecretValue'],
      eventCount: 31,
    });
    expect(stored.sources.usage).toBe('known');
    // Three queries (usage, records per day, then tool usage), in the stack's workgroup, over
    // the stack's table, each pruned to the window's days.
    const listed = await athena.send(new ListQueryExecutionsCommand({ WorkGroup: workgroup }));
    expect(listed.QueryExecutionIds).toHaveLength(3);
    for (const id of listed.QueryExecutionIds ?? []) {
      const execution = await athena.send(new GetQueryExecutionCommand({ QueryExecutionId: id }));
      const query = execution.QueryExecution?.Query ?? '';
      expect(query).toContain('FROM "gatewarden_local"."cloudtrail"');
      expect(query).toMatch(
        /WHERE "timestamp" BETWEEN '\d{4}\/\d{2}\/\d{2}' AND '\d{4}\/\d{2}\/\d{2}'/,
      );
    }
    // The tool report came from the second query's rows, beside the access report.
    const tools = JSON.parse(
      (await (
        await s3.send(new GetObjectCommand({ Bucket: reports, Key: `${prefix}/tools/tools.json` }))
      ).Body?.transformToString()) ?? '{}',
    ) as ToolReport;
    // (Gateways other tests left on the stack are listed too, without data events.)
    const withEvents = tools.gateways.filter((g) => g.dataEvents);
    expect(withEvents.map((g) => g.gatewayId)).toEqual(['gw-athena-sched']);
    expect(withEvents[0]?.access?.principals[0]).toMatchObject({
      principal: 'agent-7',
      tools: [expect.objectContaining({ tool: 'crm___get', calls: 12 })],
    });
  }, 120_000);
});
