/**
 * Tool usage aggregated on Athena and CloudTrail Lake, with the real SDK against the local stack.
 * Neither runs SQL here: Athena's rows are seeded through moto's documented results queue
 * (`/moto-api/static/athena/query-results`), Lake's through the stand-in's queue (moto has no
 * StartQuery/GetQueryResults; local/standin/cloudtrail/lake.ts). What is exercised is the real
 * exchange (StartQueryExecution → GetQueryExecution → GetQueryResults; StartQuery →
 * GetQueryResults polled and paged), the statement each engine receives, and the mapping of
 * the rows into the tool report, through the library and through `gatewarden tools`. The SQL's
 * predicates are tested in test/unit/tools/toolUsageQuery.test.ts, the mapping's equivalence
 * with trail files in test/unit/tools/aggregatedToolUsage.test.ts.
 */
import {
  AthenaClient,
  GetQueryExecutionCommand,
  ListQueryExecutionsCommand,
} from '@aws-sdk/client-athena';
import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AthenaToolUsageSource, LakeToolUsageSource } from '../../../lib/aws/toolUsageSources.js';
import { AggregatedToolUsage } from '../../../lib/tools/AggregatedToolUsage.js';
import { buildToolReport, type ToolReport } from '../../../lib/tools/report.js';
import { toolUsageColumns } from '../../../lib/tools/toolUsageQuery.js';
import { DEFAULT_KEPT_CLAIMS } from '../../../lib/tools/invokeRecord.js';
import { runCli } from '../../support/cli.js';
import {
  localStack,
  testClientConfig,
  testS3Config,
  uniqueName,
} from '../../support/localStack.js';

const GW = 'arn:aws:bedrock-agentcore:us-east-1:111122223333:gateway/gw-query1';
const ROLE = 'arn:aws:sts::111122223333:assumed-role/agent/s';
const CLAIMS = DEFAULT_KEPT_CLAIMS.length;
const COLUMNS = toolUsageColumns(CLAIMS);
const HOSTILE = `<img src=x onerror=alert(1)>'; DROP TABLE x; --`;

/** One result row as column → text (NULL absent), JSON columns as the engine formats them. */
type Cells = Record<string, string>;
const oauth = (sub: string, tool: string, calls: number, extra: Cells = {}): Cells => ({
  gateway_arn: GW,
  claims_object: 'object',
  sub: JSON.stringify(sub),
  claim_0: JSON.stringify('agentA'),
  method: '"tools/call"',
  tool: JSON.stringify(tool),
  target_id: '"T1"',
  status_code: '200',
  calls: String(calls),
  first_seen: '2026-12-01T10:00:00Z',
  last_seen: '2026-12-04T10:00:00Z',
  ...extra,
});
const rows: Cells[] = [
  oauth('alice', 'crm___get', 1200),
  oauth('alice', 'crm___delete', 3, { error_kind: 'policy' }),
  oauth(HOSTILE, `crm___${HOSTILE}`, 1),
  // No target id: kept, and counted as such.
  oauth('bob', 'crm___get', 5, { target_id: '' }),
  {
    gateway_arn: GW,
    identity_type: 'AssumedRole',
    identity_arn: ROLE,
    method: '"tools/call"',
    tool: '"crm___put"',
    target_id: '"T1"',
    status_code: '200',
    calls: '7',
    first_seen: '2026-12-02T10:00:00Z',
    last_seen: '2026-12-02T11:00:00Z',
  },
  // A refused token: counted, nobody attributed.
  {
    gateway_arn: GW,
    anonymous: 'anonymous',
    method: '"tools/call"',
    tool: '"crm___get"',
    status_code: '401',
    calls: '9',
    first_seen: '2026-12-03T10:00:00Z',
    last_seen: '2026-12-03T10:00:00Z',
  },
];

async function seedAthena(results: Cells[][]): Promise<void> {
  const response = await fetch(`${localStack().endpoint}/moto-api/static/athena/query-results`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      region: localStack().region,
      results: results.map((r) => ({
        rows: [COLUMNS, ...r.map((cells) => COLUMNS.map((c) => cells[c]))].map((row) => ({
          Data: row.map((v) => (v === undefined || v === '' ? {} : { VarCharValue: v })),
        })),
        column_info: [],
      })),
    }),
  });
  if (response.status !== 201) throw new Error(`seeding Athena failed: ${response.status}`);
}

async function seedLake(result: Cells[], pageSize?: number): Promise<void> {
  const response = await fetch(
    `${localStack().endpoint}/_gatewarden/cloudtrail/lake/query-results`,
    {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        results: [
          {
            // Lake gives every column, as {name: text} cells in order; NULL as an empty text.
            rows: result.map((cells) => COLUMNS.map((c) => ({ [c]: cells[c] ?? '' }))),
            ...(pageSize !== undefined ? { pageSize } : {}),
          },
        ],
      }),
    },
  );
  if (response.status !== 201) throw new Error(`seeding Lake failed: ${response.status}`);
}

async function lakeStatements(): Promise<string[]> {
  const response = await fetch(`${localStack().endpoint}/_gatewarden/cloudtrail/lake/queries`);
  const body = (await response.json()) as { queries: { statement: string }[] };
  return body.queries.map((q) => q.statement);
}

const window = { from: new Date('2026-11-05T00:00:00Z'), to: new Date('2026-12-05T00:00:00Z') };

function assessReport(report: ToolReport): void {
  const access = report.gateways.find((g) => g.gatewayArn === GW)?.access;
  expect(access?.events).toBe(1200 + 3 + 1 + 5 + 7 + 9);
  expect(access?.gaps.unauthenticated).toBe(9);
  expect(access?.gaps.missingTargetId).toBe(5);
  const alice = access?.principals.find((p) => p.principal === 'alice');
  expect(alice?.claims).toEqual({ client_id: 'agentA' });
  expect(alice?.tools.map((t) => [t.tool, t.calls, t.ok, t.policyDenied])).toEqual([
    ['crm___delete', 3, 0, 3],
    ['crm___get', 1200, 1200, 0],
  ]);
  expect(access?.principals.find((p) => p.principal === ROLE)?.kind).toBe('iam');
  expect(access?.policyRefusals).toEqual([{ principal: 'alice', tool: 'crm___delete', count: 3 }]);
}

describe('tool usage from Athena (moto, seeded results)', () => {
  let bucket: string;
  beforeAll(async () => {
    bucket = uniqueName('gw-tools-athena').toLowerCase();
    await new S3Client(testS3Config()).send(new CreateBucketCommand({ Bucket: bucket }));
  });

  it('one query, bounded to the window, its rows mapped into the tool report', async () => {
    // Prepare
    await seedAthena([rows]);
    const athena = new AthenaClient(testClientConfig());
    const source = new AthenaToolUsageSource(
      { database: 'security', table: 'cloudtrail_pp' },
      { outputLocation: `s3://${bucket}/results/`, pollMs: 10 },
      athena,
    );
    const usage = new AggregatedToolUsage();
    // Act
    await source.collect(window, usage);
    const report = buildToolReport(usage, [], { usageSource: source.description });
    // Assess
    assessReport(report);
    expect(report.sources.invokeEvents).toBe(1225);
    const listed = await athena.send(new ListQueryExecutionsCommand({}));
    const queries = await Promise.all(
      (listed.QueryExecutionIds ?? []).map(
        async (id) =>
          (await athena.send(new GetQueryExecutionCommand({ QueryExecutionId: id }))).QueryExecution
            ?.Query ?? '',
      ),
    );
    const sent = queries.find((q) => q === source.query(window, usage.claimNames));
    expect(sent).toContain(`WHERE "timestamp" BETWEEN '2026/11/05' AND '2026/12/05'`);
    expect(sent).toContain('FROM "security"."cloudtrail_pp"');
  });

  it('`gatewarden tools --athena`: the report files, callers escaped in HTML', async () => {
    // Prepare
    await seedAthena([rows]);
    const dir = mkdtempSync(join(tmpdir(), 'gw-tools-athena-'));
    // Act
    const run = await runCli(
      [
        'tools',
        '--athena',
        'security.cloudtrail_pp',
        '--athena-output',
        `s3://${bucket}/cli/`,
        '--principal-claim',
        'client_id',
        '--out',
        dir,
      ],
      {
        AWS_ENDPOINT_URL: process.env.AWS_ENDPOINT_URL,
        AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID,
        AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY,
      },
    );
    // Assess
    expect(run.stderr).toContain('tools: gateway gw-query1: 1225 data events');
    expect(run.code).toBe(0);
    assessReport(JSON.parse(readFileSync(join(dir, 'tools.json'), 'utf8')) as ToolReport);
    const html = readFileSync(join(dir, 'tools.html'), 'utf8');
    expect(html).not.toContain('<img src=x');
    expect(readFileSync(join(dir, 'gw-query1.cedar'), 'utf8')).toContain(
      'AgentCore::Action::"crm___get"',
    );
  });

  it('no InvokeGateway rows: exit 1, data events are not enabled, never "nobody uses any tool"', async () => {
    await seedAthena([[]]);
    const run = await runCli(
      [
        'tools',
        '--athena',
        'security.cloudtrail_pp',
        '--athena-output',
        `s3://${bucket}/cli/`,
        '--out',
        mkdtempSync(join(tmpdir(), 'gw-tools-athena-')),
      ],
      {
        AWS_ENDPOINT_URL: process.env.AWS_ENDPOINT_URL,
        AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID,
        AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY,
      },
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      'Athena security.cloudtrail_pp holds, in the last 90 days, no InvokeGateway data event',
    );
    expect(run.stderr).toContain('data events are not enabled for this gateway');
    expect(run.stderr).not.toMatch(/nobody/i);
  });
});

describe('tool usage from CloudTrail Lake (local stand-in: moto has no Lake)', () => {
  it('StartQuery, GetQueryResults polled until finished and read page by page', async () => {
    // Prepare: two rows a page, so three pages.
    await seedLake(rows, 2);
    // The caller's own store (the local IAM gate refuses another account's, as AWS would).
    const { Account } = await new STSClient(testClientConfig()).send(
      new GetCallerIdentityCommand({}),
    );
    const eds = `arn:aws:cloudtrail:us-east-1:${Account ?? ''}:eventdatastore/${uniqueName('eds')}`;
    const source = new LakeToolUsageSource(eds, new CloudTrailClient(testClientConfig()), {
      pollMs: 10,
    });
    const usage = new AggregatedToolUsage();
    // Act
    await source.collect(window, usage);
    // Assess
    assessReport(buildToolReport(usage, []));
    const statement = (await lakeStatements()).pop() ?? '';
    expect(statement).toBe(source.query(window, usage.claimNames));
    expect(statement).toContain(`FROM ${eds.split('/').pop() ?? ''}\n`);
    expect(statement).toContain(
      "WHERE eventtime >= '2026-11-05 00:00:00' AND eventtime <= '2026-12-05 00:00:00'",
    );
  });

  it('Lake timestamps become ISO 8601 first and last seen', async () => {
    await seedLake([
      oauth('carol', 'crm___get', 2, {
        first_seen: '2026-12-01 10:00:00.000',
        last_seen: '2026-12-02 09:30:15.000',
      }),
    ]);
    const usage = new AggregatedToolUsage();
    await new LakeToolUsageSource('eds-times', new CloudTrailClient(testClientConfig()), {
      pollMs: 10,
    }).collect(window, usage);
    const tally = [...(usage.gateways.get(GW)?.callers.values() ?? [])][0]?.tools.get('crm___get');
    expect(tally).toMatchObject({
      calls: 2,
      firstSeen: '2026-12-01T10:00:00Z',
      lastSeen: '2026-12-02T09:30:15Z',
    });
  });

  it('`gatewarden tools --lake` with no rows: exit 1, data events are not enabled', async () => {
    await seedLake([]);
    const run = await runCli(
      ['tools', '--lake', 'eds-empty', '--out', mkdtempSync(join(tmpdir(), 'gw-tools-lake-'))],
      {
        AWS_ENDPOINT_URL: process.env.AWS_ENDPOINT_URL,
        AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID,
        AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY,
      },
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('CloudTrail Lake eds-empty holds, in the last 90 days, no');
    expect(run.stderr).toContain('data events are not enabled for this gateway');
  });
});
