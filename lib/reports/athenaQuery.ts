import { ReportInputError } from './errors.js';
import type { ActivityWindow } from './usage.js';
import type { UsageFact } from './UsageCollector.js';

/**
 * Usage aggregated where the data is: one Athena query over the trail's S3 logs, through a
 * CloudTrail table with partition projection (the layout CloudTrail writes,
 * `AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/`). It returns principal × operation ×
 * count × last seen — the shape of the CloudTrail Lake query — so only the days of the window
 * are scanned and a few thousand rows, not millions of records, reach the report.
 */

/** `db.table` as given on the command line; both parts plain identifiers. */
export interface AthenaTable {
  database: string;
  table: string;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,254}$/;

/** Parses `DB.TABLE`, refusing anything that is not two identifiers (the SQL is built from it). */
export function parseAthenaTable(value: string): AthenaTable {
  const [database, table, ...rest] = value.split('.');
  if (
    database === undefined ||
    table === undefined ||
    rest.length > 0 ||
    !IDENTIFIER.test(database) ||
    !IDENTIFIER.test(table)
  ) {
    throw new ReportInputError('--athena takes DATABASE.TABLE (letters, digits, underscores)');
  }
  return { database, table };
}

const WORKGROUP = /^[A-Za-z0-9._-]{1,128}$/;

/** An Athena workgroup name as Athena admits it (letters, digits, `.`, `_`, `-`; 1–128). */
export function parseAthenaWorkgroup(value: string): string {
  if (!WORKGROUP.test(value))
    throw new ReportInputError(
      'an Athena workgroup name is 1–128 letters, digits, ".", "_" or "-"',
    );
  return value;
}

const day = (d: Date) => d.toISOString().slice(0, 10).replace(/-/g, '/');
const isoSeconds = (d: Date) => `${d.toISOString().slice(0, 19)}Z`;

/**
 * The partitions a query may read besides the window's days: the organization's accounts
 * (discovered through Organizations, lib/reports/organization.ts) and the trail's regions.
 * With the account column projected as `injected` (the central stage of an organization,
 * resources/athena.yml), the query must name its accounts: the table holds no list to keep in
 * step, and a new account is read from the next report on.
 */
export interface AthenaPartitions {
  accounts?: readonly string[];
  regions?: readonly string[];
}

const ACCOUNT_ID = /^\d{12}$/;
const REGION_NAME = /^[a-z]{2}(-[a-z]+)+-\d$/;

/** `column IN ('a', 'b')` of values the caller's pattern admits (the SQL is built from them). */
function inList(column: string, values: readonly string[], valid: RegExp, what: string): string {
  if (values.length === 0) throw new ReportInputError(`no ${what} to query`);
  const bad = values.find((v) => !valid.test(v));
  if (bad !== undefined) throw new ReportInputError(`not ${what}: ${JSON.stringify(bad)}`);
  return `${column} IN (${[...new Set(values)].map((v) => `'${v}'`).join(', ')})`;
}

/**
 * The aggregating query. The `timestamp` partition (projected as `yyyy/MM/dd`) bounds the scan
 * to the window's days; `eventtime` then trims the first and last day to the exact window.
 * Accounts and regions, when given, bound it further to their partitions. Refused calls are
 * not usage. Data events are counted apart (`eventcategory`) so the report knows which
 * data-event sources the trail logs.
 */
export function athenaUsageQuery(
  table: AthenaTable,
  window: ActivityWindow,
  partitions: AthenaPartitions = {},
): string {
  return [
    'SELECT useridentity.type AS identity_type,',
    '  useridentity.arn AS identity_arn,',
    '  useridentity.sessioncontext.sessionissuer.arn AS issuer_arn,',
    '  eventsource AS event_source, eventname AS event_name,',
    "  coalesce(eventcategory, 'Management') AS event_category,",
    '  count(*) AS calls, max(eventtime) AS last_seen',
    athenaFrom(table),
    ...athenaWindowPredicates(window, partitions),
    "  AND (errorcode IS NULL OR (errorcode NOT LIKE '%AccessDenied%' AND errorcode NOT LIKE '%Unauthorized%'))",
    'GROUP BY 1, 2, 3, 4, 5, 6',
  ].join('\n');
}

/** `FROM "db"."table"` of a table `parseAthenaTable` admitted. */
export function athenaFrom(table: AthenaTable): string {
  if (!IDENTIFIER.test(table.database) || !IDENTIFIER.test(table.table))
    throw new ReportInputError('Athena database and table must be plain identifiers');
  return `FROM "${table.database}"."${table.table}"`;
}

/**
 * The WHERE lines that bound a query over the CloudTrail table to the window: the day
 * partitions first (what Athena scans), the named accounts and regions, then the exact times.
 * Every query over the table uses them, so none scans more than the window.
 */
export function athenaWindowPredicates(
  window: ActivityWindow,
  partitions: AthenaPartitions = {},
): string[] {
  const { accounts, regions } = partitions;
  return [
    `WHERE "timestamp" BETWEEN '${day(window.from)}' AND '${day(window.to)}'`,
    ...(accounts ? [`  AND ${inList('account', accounts, ACCOUNT_ID, 'an account id')}`] : []),
    ...(regions ? [`  AND ${inList('region', regions, REGION_NAME, 'a region name')}`] : []),
    `  AND eventtime >= '${isoSeconds(window.from)}' AND eventtime <= '${isoSeconds(window.to)}'`,
  ];
}

/**
 * Records per UTC day of the window (every record, refused ones too: each proves the trail was
 * logging that day), for the report to tell a trail that covers the window from one that
 * starts late, stops early or holds a few planted records. Grouped by the record's own day
 * (the first ten characters of eventtime, UTC), not the partition's: a log file delivered
 * after midnight holds the previous day's last records. The same partitions and times as the
 * usage query; at most one row per day.
 */
export function athenaDaysQuery(
  table: AthenaTable,
  window: ActivityWindow,
  partitions: AthenaPartitions = {},
): string {
  return [
    'SELECT substr(eventtime, 1, 10) AS day, count(*) AS records',
    athenaFrom(table),
    ...athenaWindowPredicates(window, partitions),
    'GROUP BY 1',
  ].join('\n');
}

/** Columns of {@link athenaDaysQuery}, in order. */
export const ATHENA_DAY_COLUMNS = ['day', 'records'] as const;

/** Maps rows of {@link athenaDaysQuery} to `{ day, count }` (rows not of that form skipped). */
export function athenaRowsToDays(
  rows: readonly AthenaRow[],
  withHeader: boolean,
): { day: string; count: number }[] {
  checkHeader(rows, withHeader, ATHENA_DAY_COLUMNS);
  const out: { day: string; count: number }[] = [];
  for (const row of withHeader ? rows.slice(1) : rows) {
    const day = row.Data?.[0]?.VarCharValue;
    const count = Number(row.Data?.[1]?.VarCharValue ?? '0');
    if (day === undefined || !/^\d{4}-\d\d-\d\d$/.test(day) || !(count > 0)) continue;
    out.push({ day, count });
  }
  return out;
}

function checkHeader(
  rows: readonly AthenaRow[],
  withHeader: boolean,
  columns: readonly string[],
): void {
  if (!withHeader) return;
  const header = (rows[0]?.Data ?? []).map((d) => d.VarCharValue ?? '');
  if (header.join(',') !== columns.join(','))
    throw new ReportInputError(
      `Athena returned columns ${header.join(',')}, expected ${columns.join(',')}`,
    );
}

/** Columns the query returns, in order (the result's header row is checked against them). */
export const ATHENA_COLUMNS = [
  'identity_type',
  'identity_arn',
  'issuer_arn',
  'event_source',
  'event_name',
  'event_category',
  'calls',
  'last_seen',
] as const;

/** One row of Athena's GetQueryResults: `Data[].VarCharValue`, absent for NULL. */
export type AthenaRow = { Data?: { VarCharValue?: string }[] };

/** Maps result rows (header row first, as Athena returns it on the first page) to usage facts. */
export function athenaRowsToFacts(rows: readonly AthenaRow[], withHeader: boolean): UsageFact[] {
  const body = withHeader ? rows.slice(1) : rows;
  checkHeader(rows, withHeader, ATHENA_COLUMNS);
  const facts: UsageFact[] = [];
  for (const row of body) {
    const cells = Object.fromEntries(
      ATHENA_COLUMNS.map((c, i) => [c, row.Data?.[i]?.VarCharValue]),
    ) as Record<(typeof ATHENA_COLUMNS)[number], string | undefined>;
    const count = Number(cells.calls ?? '0');
    if (!cells.event_source || !cells.event_name || !(count > 0)) continue;
    facts.push({
      identity: {
        ...(cells.identity_type ? { type: cells.identity_type } : {}),
        ...(cells.identity_arn ? { arn: cells.identity_arn } : {}),
        ...(cells.issuer_arn ? { issuerArn: cells.issuer_arn } : {}),
      },
      eventSource: cells.event_source,
      eventName: cells.event_name,
      count,
      ...(cells.last_seen ? { lastSeen: cells.last_seen } : {}),
      ...(cells.event_category ? { eventCategory: cells.event_category } : {}),
    });
  }
  return facts;
}

/**
 * Columns of the CloudTrail table, as Hive types: the documented DDL and the stack's Glue table
 * (resources/athena.yml) use the same list, and a template test holds them equal.
 */
export const CLOUDTRAIL_TABLE_COLUMNS: readonly (readonly [string, string])[] = [
  ['eventversion', 'string'],
  [
    'useridentity',
    'struct<type:string,principalid:string,arn:string,accountid:string,invokedby:string,accesskeyid:string,username:string,sessioncontext:struct<attributes:struct<mfaauthenticated:string,creationdate:string>,sessionissuer:struct<type:string,principalid:string,arn:string,accountid:string,username:string>>>',
  ],
  ['eventtime', 'string'],
  ['eventsource', 'string'],
  ['eventname', 'string'],
  ['awsregion', 'string'],
  ['sourceipaddress', 'string'],
  ['useragent', 'string'],
  ['errorcode', 'string'],
  ['errormessage', 'string'],
  ['requestparameters', 'string'],
  ['responseelements', 'string'],
  ['additionaleventdata', 'string'],
  ['requestid', 'string'],
  ['eventid', 'string'],
  ['readonly', 'string'],
  ['resources', 'array<struct<arn:string,accountid:string,type:string>>'],
  ['eventtype', 'string'],
  ['apiversion', 'string'],
  ['recipientaccountid', 'string'],
  ['sharedeventid', 'string'],
  ['vpcendpointid', 'string'],
  ['eventcategory', 'string'],
];

/** Partition keys: the path CloudTrail writes, `<account>/CloudTrail/<region>/<yyyy/MM/dd>`. */
export const CLOUDTRAIL_PARTITION_KEYS = ['account', 'region', 'timestamp'] as const;

/**
 * The CloudTrail table with partition projection for a trail bucket (documented DDL, run once
 * by an operator; the stack creates the same table as a Glue resource): account and region as
 * enumerations, the day as a date projection from `since`, so new days need no
 * `ALTER TABLE ADD PARTITION`.
 */
export function cloudTrailTableDdl(options: {
  table: AthenaTable;
  bucket: string;
  prefix?: string;
  accounts: string[];
  regions: string[];
  since: string;
}): string {
  const { table, bucket, accounts, regions } = options;
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket))
    throw new ReportInputError('bucket name is not valid');
  if (!accounts.every((a) => /^\d{12}$/.test(a)) || accounts.length === 0)
    throw new ReportInputError('accounts must be 12-digit ids');
  if (!regions.every((r) => /^[a-z]{2}(-[a-z]+)+-\d$/.test(r)) || regions.length === 0)
    throw new ReportInputError('regions must be region names');
  if (!/^\d{4}\/\d{2}\/\d{2}$/.test(options.since))
    throw new ReportInputError('since must be YYYY/MM/DD');
  const prefix = (options.prefix ?? '').replace(/^\/+|\/+$/g, '');
  const root = `s3://${bucket}/${prefix === '' ? '' : `${prefix}/`}AWSLogs`;
  const columns = CLOUDTRAIL_TABLE_COLUMNS.map(([name, type]) => `  ${name} ${type}`).join(',\n');
  return `CREATE EXTERNAL TABLE IF NOT EXISTS "${table.database}"."${table.table}" (
${columns}
)
PARTITIONED BY (account STRING, region STRING, \`timestamp\` STRING)
ROW FORMAT SERDE 'org.apache.hive.hcatalog.data.JsonSerDe'
STORED AS INPUTFORMAT 'com.amazon.emr.cloudtrail.CloudTrailInputFormat'
OUTPUTFORMAT 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat'
LOCATION '${root}/'
TBLPROPERTIES (
  'projection.enabled'='true',
  'projection.account.type'='enum',
  'projection.account.values'='${accounts.join(',')}',
  'projection.region.type'='enum',
  'projection.region.values'='${regions.join(',')}',
  'projection.timestamp.type'='date',
  'projection.timestamp.format'='yyyy/MM/dd',
  'projection.timestamp.interval'='1',
  'projection.timestamp.interval.unit'='DAYS',
  'projection.timestamp.range'='${options.since},NOW',
  'storage.location.template'='${root}/\${account}/CloudTrail/\${region}/\${timestamp}'
)`;
}
