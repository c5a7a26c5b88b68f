import { AthenaClient } from '@aws-sdk/client-athena';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { AthenaActivitySource } from '../../../lib/aws/activitySources.js';
import { ATHENA_COLUMNS } from '../../../lib/reports/athenaQuery.js';
import { IamDataCatalog } from '../../../lib/reports/catalog.js';
import { AuthorizationDetailsFile } from '../../../lib/reports/iamFile.js';
import { generateReport } from '../../../lib/reports/report.js';
import type { AccessReport } from '../../../lib/reports/reportTypes.js';
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
 * rows. The SQL itself is tested in test/unit/reports/athenaQuery.test.ts.
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

describe('usage aggregated on Athena (local stack)', () => {
  let report: AccessReport;
  let sql: string;

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
    const source = new AthenaActivitySource(
      { database: 'security', table: 'cloudtrail_pp' },
      { outputLocation: `s3://${bucket}/results/`, pollMs: 10 },
      new AthenaClient(testClientConfig()),
    );
    const now = new Date('2026-11-28T00:00:00Z');
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
});
