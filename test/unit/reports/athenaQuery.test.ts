import { readFileSync } from 'node:fs';
import {
  athenaDaysQuery,
  athenaRowsToDays,
  athenaRowsToFacts,
  athenaUsageQuery,
  ATHENA_COLUMNS,
  ATHENA_DAY_COLUMNS,
  cloudTrailTableDdl,
  parseAthenaTable,
  type AthenaRow,
} from '../../../lib/reports/athenaQuery.js';
import { UsageCollector } from '../../../lib/reports/UsageCollector.js';

const window = { from: new Date('2026-08-30T06:00:00Z'), to: new Date('2026-11-28T06:00:00Z') };
const row = (...cells: (string | undefined)[]): AthenaRow => ({
  Data: cells.map((c) => (c === undefined ? {} : { VarCharValue: c })),
});

describe('Athena usage query', () => {
  const sql = athenaUsageQuery({ database: 'security', table: 'cloudtrail_pp' }, window);

  it('prunes partitions to the window days, then trims to the exact window', () => {
    expect(sql).toContain(`WHERE "timestamp" BETWEEN '2026/08/30' AND '2026/11/28'`);
    expect(sql).toContain(
      "AND eventtime >= '2026-08-30T06:00:00Z' AND eventtime <= '2026-11-28T06:00:00Z'",
    );
  });

  it('aggregates principal × operation × count × last seen, refused calls excluded', () => {
    expect(sql).toMatch(/^SELECT useridentity\.type AS identity_type,/);
    expect(sql).toContain('useridentity.sessioncontext.sessionissuer.arn AS issuer_arn');
    expect(sql).toContain('count(*) AS calls, max(eventtime) AS last_seen');
    expect(sql).toContain('FROM "security"."cloudtrail_pp"');
    expect(sql).toContain("errorcode NOT LIKE '%AccessDenied%'");
    expect(sql).toContain('GROUP BY 1, 2, 3, 4, 5, 6');
    // One column per ATHENA_COLUMNS entry, in order.
    const aliases = [...sql.matchAll(/ AS ([a-z_]+)/g)].map((m) => m[1]);
    expect(aliases).toEqual([...ATHENA_COLUMNS]);
  });

  it.each(['security', 'a.b.c', 'db.t;DROP', 'db."t"', '.t', 'db.'])('refuses table %j', (v) => {
    expect(() => parseAthenaTable(v)).toThrow('--athena takes DATABASE.TABLE');
  });
});

describe('Athena records-per-day query (does the trail cover the window?)', () => {
  const table = { database: 'security', table: 'cloudtrail_pp' };
  const sql = athenaDaysQuery(table, window, { accounts: ['210987654321'] });

  it('counts every record of the window per UTC day of its eventtime, refused ones too', () => {
    expect(sql).toBe(
      [
        'SELECT substr(eventtime, 1, 10) AS day, count(*) AS records',
        'FROM "security"."cloudtrail_pp"',
        `WHERE "timestamp" BETWEEN '2026/08/30' AND '2026/11/28'`,
        "  AND account IN ('210987654321')",
        "  AND eventtime >= '2026-08-30T06:00:00Z' AND eventtime <= '2026-11-28T06:00:00Z'",
        'GROUP BY 1',
      ].join('\n'),
    );
    expect(sql).not.toContain('errorcode');
    const aliases = [...sql.matchAll(/ AS ([a-z_]+)/g)].map((m) => m[1]);
    expect(aliases).toEqual([...ATHENA_DAY_COLUMNS]);
  });

  it('scans the same partitions and times as the usage query', () => {
    const usage = athenaUsageQuery(table, window, { accounts: ['210987654321'] });
    const scan = (q: string) => {
      const lines = q.split('\n');
      const from = lines.findIndex((l) => l.startsWith('FROM'));
      return lines.slice(from, lines.findIndex((l) => l.includes('eventtime <=')) + 1);
    };
    expect(scan(sql)).toHaveLength(4);
    expect(scan(sql)).toEqual(scan(usage));
  });

  it('maps rows to day counts into the collector; the header is checked; junk is skipped', () => {
    const days = athenaRowsToDays(
      [
        row(...ATHENA_DAY_COLUMNS),
        row('2026-08-30', '12'),
        row('2026-11-28', '3'),
        row('2026-13-45x', '3'),
        row('2026-10-01', '0'),
        row(undefined, '5'),
      ],
      true,
    );
    expect(days).toEqual([
      { day: '2026-08-30', count: 12 },
      { day: '2026-11-28', count: 3 },
    ]);
    const collector = new UsageCollector({
      from: window.from.toISOString(),
      to: window.to.toISOString(),
    });
    for (const d of days) collector.addDayCount(d.day, d.count);
    expect(collector.days.span()).toEqual({
      first: Date.parse('2026-08-30') / 86_400_000,
      last: Date.parse('2026-11-28') / 86_400_000,
    });
    expect(() => athenaRowsToDays([row('day', 'calls')], true)).toThrow(
      'Athena returned columns day,calls, expected day,records',
    );
  });
});

describe('Athena rows to usage', () => {
  const header = row(...ATHENA_COLUMNS);
  const rows = [
    header,
    row(
      'AssumedRole',
      'arn:aws:sts::210987654321:assumed-role/gateway-deployer/session',
      'arn:aws:iam::210987654321:role/gateway-deployer',
      'bedrock-agentcore.amazonaws.com',
      'CreateGateway',
      'Management',
      '3',
      '2026-11-20T14:31:02Z',
    ),
    row(
      'AssumedRole',
      'arn:aws:sts::210987654321:assumed-role/gw-crm-execution/x',
      'arn:aws:iam::210987654321:role/service-role/gw-crm-execution',
      'lambda.amazonaws.com',
      'Invoke',
      'Data',
      '1200',
      '2026-11-27T23:59:59Z',
    ),
    row(
      'IAMUser',
      'arn:aws:iam::210987654321:user/deploy-bot',
      undefined,
      'iam.amazonaws.com',
      'ListUsers',
      'Management',
      '0',
      undefined,
    ),
  ];

  it('maps each row to a fact; the trail is known to log the data events it counted', () => {
    // Act
    const facts = athenaRowsToFacts(rows, true);
    const collector = new UsageCollector();
    facts.forEach((f) => collector.addFact(f));
    // Assess
    expect(facts).toHaveLength(2);
    expect(facts[0]).toEqual({
      identity: {
        type: 'AssumedRole',
        arn: 'arn:aws:sts::210987654321:assumed-role/gateway-deployer/session',
        issuerArn: 'arn:aws:iam::210987654321:role/gateway-deployer',
      },
      eventSource: 'bedrock-agentcore.amazonaws.com',
      eventName: 'CreateGateway',
      count: 3,
      lastSeen: '2026-11-20T14:31:02Z',
      eventCategory: 'Management',
    });
    expect(collector.stats.eventsAttributed).toBe(1203);
    expect([...collector.stats.dataEventsLogged]).toEqual(['source:lambda.amazonaws.com']);
    const usage = collector.principals.get('210987654321|role|gw-crm-execution');
    expect(usage?.events.get('lambda.amazonaws.com|Invoke')).toMatchObject({
      count: 1200,
      resourcesUnknown: true,
    });
  });

  it('refuses a result whose columns are not the query’s', () => {
    expect(() => athenaRowsToFacts([row('a', 'b')], true)).toThrow('Athena returned columns a,b');
  });

  it('reads later pages without a header', () => {
    expect(athenaRowsToFacts(rows.slice(1, 2), false)).toHaveLength(1);
  });
});

describe('CloudTrail table DDL with partition projection', () => {
  const ddl = cloudTrailTableDdl({
    table: { database: 'security', table: 'cloudtrail_pp' },
    bucket: 'acme-org-trail',
    prefix: 'org',
    accounts: ['210987654321', '111122223333'],
    regions: ['us-east-1', 'eu-west-1'],
    since: '2026/01/01',
  });

  it('projects account, region and day over the CloudTrail key layout', () => {
    expect(ddl).toContain("LOCATION 's3://acme-org-trail/org/AWSLogs/'");
    expect(ddl).toContain("'projection.account.values'='210987654321,111122223333'");
    expect(ddl).toContain("'projection.region.values'='us-east-1,eu-west-1'");
    expect(ddl).toContain("'projection.timestamp.format'='yyyy/MM/dd'");
    expect(ddl).toContain("'projection.timestamp.range'='2026/01/01,NOW'");
    expect(ddl).toContain(
      "'storage.location.template'='s3://acme-org-trail/org/AWSLogs/${account}/CloudTrail/${region}/${timestamp}'",
    );
    expect(ddl).toContain('eventcategory string');
  });

  it.each([
    [{ bucket: 'Bad_Bucket' }, 'bucket name'],
    [{ accounts: ['*'] }, 'accounts'],
    [{ regions: ["us-east-1'"] }, 'regions'],
    [{ since: '2026-01-01' }, 'since'],
  ])('refuses %j', (override, message) => {
    expect(() =>
      cloudTrailTableDdl({
        table: { database: 'd', table: 't' },
        bucket: 'b-ok',
        accounts: ['210987654321'],
        regions: ['us-east-1'],
        since: '2026/01/01',
        ...override,
      }),
    ).toThrow(message);
  });
});

describe('the documented DDL (docs/athena.md)', () => {
  it('is what cloudTrailTableDdl prints for its example values', () => {
    // Prepare
    const doc = readFileSync(new URL('../../../docs/athena.md', import.meta.url), 'utf8');
    const documented = /```sql\n([\s\S]*?)\n```/.exec(doc)?.[1];
    // Act
    const ddl = cloudTrailTableDdl({
      table: { database: 'security', table: 'cloudtrail' },
      bucket: 'my-trail-bucket',
      accounts: ['111122223333', '444455556666'],
      regions: ['us-east-1', 'eu-west-1'],
      since: '2025/01/01',
    });
    // Assess
    expect(documented).toBe(ddl);
  });
});
