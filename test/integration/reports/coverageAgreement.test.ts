import { AthenaClient } from '@aws-sdk/client-athena';
import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AthenaActivitySource, LakeActivitySource } from '../../../lib/aws/activitySources.js';
import { ATHENA_COLUMNS, ATHENA_DAY_COLUMNS } from '../../../lib/reports/athenaQuery.js';
import { IamDataCatalog } from '../../../lib/reports/catalog.js';
import { AuthorizationDetailsFile } from '../../../lib/reports/iamFile.js';
import { DirectoryActivitySource } from '../../../lib/reports/logFiles.js';
import { generateReport } from '../../../lib/reports/report.js';
import type { AccessReport } from '../../../lib/reports/reportTypes.js';
import type { ActivitySource } from '../../../lib/reports/usage.js';
import {
  localStack,
  testClientConfig,
  testS3Config,
  uniqueName,
} from '../../support/localStack.js';

/**
 * One trail, three ways to read it: its log files, Athena over them, CloudTrail Lake. The
 * coverage verdict (known, partial, the missing days, the quiet days) must be the same.
 *
 * Neither moto's Athena nor the Lake stand-in runs SQL: each answers the rows queued for it.
 * The rows queued here are what each engine's two queries (usage aggregate, records per day)
 * return for these records — grouped here by principal × operation and by UTC day, as their
 * GROUP BY does; the real SDK exchanges and the product's row mapping, day counting and verdict
 * are what runs.
 */

const fixtures = new URL('../../fixtures/iam/', import.meta.url).pathname;
const A = '210987654321';
const now = new Date('2026-11-28T00:00:00Z');
const DAY = 86_400_000;

interface TrailRecord {
  eventTime: string;
  eventSource: string;
  eventName: string;
  awsRegion: string;
  recipientAccountId: string;
  userIdentity: Record<string, unknown>;
}

/** A day of the 90-day window ending `now` (2026-08-30 → 2026-11-28). */
const dayOf = (i: number) => new Date(Date.parse('2026-08-30T00:00:00Z') + i * DAY);

/**
 * The trail: the deployer reads its gateway twice a day, except on a quiet stretch of 5 days
 * (a warning) and 10 days when nothing was logged (the trail stopped: usage partial).
 */
function trail(): TrailRecord[] {
  const records: TrailRecord[] = [];
  for (let i = 0; i < 90; i++) {
    const day = dayOf(i).toISOString().slice(0, 10);
    if (day >= '2026-09-10' && day <= '2026-09-14') continue;
    if (day >= '2026-10-05' && day <= '2026-10-14') continue;
    for (const hour of ['08', '17'])
      records.push({
        eventTime: `${day}T${hour}:15:00Z`,
        eventSource: 'bedrock-agentcore.amazonaws.com',
        eventName: 'GetGateway',
        awsRegion: 'us-east-1',
        recipientAccountId: A,
        userIdentity: {
          type: 'AssumedRole',
          arn: `arn:aws:sts::${A}:assumed-role/gateway-deployer/session`,
          accountId: A,
          sessionContext: {
            sessionIssuer: { type: 'Role', arn: `arn:aws:iam::${A}:role/gateway-deployer` },
          },
        },
      });
  }
  return records;
}

/** The records' count per UTC day, as `GROUP BY day`. */
function perDay(records: TrailRecord[]): [string, number][] {
  const days = new Map<string, number>();
  for (const r of records)
    days.set(r.eventTime.slice(0, 10), (days.get(r.eventTime.slice(0, 10)) ?? 0) + 1);
  return [...days];
}

const last = (records: TrailRecord[]) =>
  records
    .map((r) => r.eventTime)
    .sort()
    .at(-1) ?? '';

async function post(path: string, body: unknown): Promise<void> {
  const response = await fetch(`${localStack().endpoint}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (response.status !== 201) throw new Error(`seeding ${path} failed: ${response.status}`);
}

/** Queues Athena's two answers: the usage aggregate, then the records per day. */
async function seedAthena(records: TrailRecord[]): Promise<void> {
  const result = (rows: string[][]) => ({
    rows: rows.map((r) => ({ Data: r.map((v) => ({ VarCharValue: v })) })),
    column_info: [],
  });
  const usage = [
    [...ATHENA_COLUMNS],
    [
      'AssumedRole',
      `arn:aws:sts::${A}:assumed-role/gateway-deployer/session`,
      `arn:aws:iam::${A}:role/gateway-deployer`,
      'bedrock-agentcore.amazonaws.com',
      'GetGateway',
      'Management',
      String(records.length),
      last(records),
    ],
  ];
  const days = [[...ATHENA_DAY_COLUMNS], ...perDay(records).map(([d, n]) => [d, String(n)])];
  for (const rows of [usage, days])
    await post('/moto-api/static/athena/query-results', {
      region: localStack().region,
      results: [result(rows)],
    });
}

/** Queues Lake's two answers, as Lake prints them (`{column: text}` cells, its timestamps). */
async function seedLake(records: TrailRecord[]): Promise<void> {
  const lakeTime = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 19)}.000`;
  const usage = [
    [
      { identityType: 'AssumedRole' },
      { identityArn: `arn:aws:sts::${A}:assumed-role/gateway-deployer/session` },
      { issuerArn: `arn:aws:iam::${A}:role/gateway-deployer` },
      { eventSource: 'bedrock-agentcore.amazonaws.com' },
      { eventName: 'GetGateway' },
      { calls: String(records.length) },
      { lastSeen: lakeTime(last(records)) },
    ],
  ];
  const days = perDay(records).map(([d, n]) => [{ day: d }, { records: String(n) }]);
  await post('/_gatewarden/cloudtrail/lake/query-results', {
    results: [{ rows: usage }, { rows: days, pageSize: 40 }],
  });
}

async function reportFrom(activity: ActivitySource): Promise<AccessReport> {
  return generateReport({
    iam: new AuthorizationDetailsFile(`${fixtures}account-authorization-details.json`),
    activity,
    catalog: new IamDataCatalog(),
    now: () => now,
  });
}

/** What a report says about coverage, without the name of the source. */
function verdict(report: AccessReport) {
  return {
    usage: report.sources.usage,
    missingDays: report.sources.usageMissingDays,
    dayReasons: report.sources.issues
      .map((i) => i.reason)
      .filter((r) => r.startsWith('no record on'))
      .sort(),
    eventsAttributed: report.sources.eventsAttributed,
  };
}

describe('usage coverage: trail files, Athena and CloudTrail Lake agree (local stack)', () => {
  it('give the same verdict on the same records, a quiet week and a stopped trail included', async () => {
    // Prepare: the records as log files, and as each engine's query results.
    const records = trail();
    const dir = mkdtempSync(join(tmpdir(), 'gw-coverage-'));
    writeFileSync(join(dir, 'trail.json'), JSON.stringify({ Records: records }));
    const results = uniqueName('gw-coverage-athena').toLowerCase();
    await new S3Client(testS3Config()).send(new CreateBucketCommand({ Bucket: results }));
    await seedAthena(records);
    await seedLake(records);
    const athena = new AthenaActivitySource(
      { database: 'security', table: 'cloudtrail_pp' },
      { outputLocation: `s3://${results}/results/`, pollMs: 10 },
      new AthenaClient(testClientConfig()),
    );
    const lake = new LakeActivitySource(
      uniqueName('eds-coverage'),
      new CloudTrailClient(testClientConfig()),
      { pollMs: 10 },
    );

    // Act
    const fromFiles = verdict(await reportFrom(new DirectoryActivitySource(dir)));
    const fromAthena = verdict(await reportFrom(athena));
    const fromLake = verdict(await reportFrom(lake));

    // Assess: the stopped trail makes usage partial with its days named, the quiet week is a
    // warning, and each source says so in the same words.
    expect(fromFiles).toEqual({
      usage: 'partial',
      missingDays: [{ from: '2026-10-05', to: '2026-10-14' }],
      dayReasons: [
        'no record on 2026-09-10 → 2026-09-14 (5 days inside the window): a quiet account, or logs missing',
        'no record on 2026-10-05 → 2026-10-14 (10 days inside the window): a quiet account, or logs missing',
        'no record on 2026-10-05 → 2026-10-14: usage partial',
      ],
      eventsAttributed: records.length,
    });
    expect(fromAthena).toEqual(fromFiles);
    expect(fromLake).toEqual(fromFiles);
  }, 60_000);
});
