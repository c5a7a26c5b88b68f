import { athenaUsageQuery } from '../../../lib/reports/athenaQuery.js';

/**
 * What an organization's report scans: Athena prunes partitions with the predicates on the
 * partition columns (`account`, `region`, `timestamp`), so the generated WHERE clause alone
 * decides how many `<account>/<region>/<day>` folders are read. This evaluates those
 * predicates over every partition a 2-year, many-account trail holds and checks that exactly
 * the window's partitions pass.
 */
type Partition = { account: string; region: string; timestamp: string };

/** The WHERE clause's top-level conjuncts (parenthesised ORs stay whole). */
function conjuncts(sql: string): string[] {
  const where = sql.slice(sql.indexOf('WHERE ') + 6, sql.indexOf('GROUP BY'));
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  const tokens = where.split(/(\(|\)|\bAND\b|\bBETWEEN\b)/);
  let betweenPending = false;
  for (const token of tokens) {
    if (token === '(') depth += 1;
    if (token === ')') depth -= 1;
    if (token === 'BETWEEN') betweenPending = true;
    if (token === 'AND' && depth === 0 && !betweenPending) {
      parts.push(current.trim());
      current = '';
      continue;
    }
    if (token === 'AND' && betweenPending) betweenPending = false;
    current += token;
  }
  parts.push(current.trim());
  return parts;
}

const PARTITION_COLUMNS = /^("timestamp"|account|region)\s/;

/** A predicate on partition columns as a test on a partition (only the forms the query uses). */
function predicate(text: string): (p: Partition) => boolean {
  const between = /^"timestamp" BETWEEN '([^']+)' AND '([^']+)'$/.exec(text);
  if (between) {
    const [, from = '', to = ''] = between;
    return (p) => p.timestamp >= from && p.timestamp <= to;
  }
  const inList = /^(account|region) IN \(([^)]*)\)$/.exec(text);
  if (inList) {
    const [, column = '', list = ''] = inList;
    const values = new Set([...list.matchAll(/'([^']*)'/g)].map((m) => m[1]));
    return (p) => values.has(p[column as 'account' | 'region']);
  }
  throw new Error(`unexpected partition predicate: ${text}`);
}

/** The partitions the query reads, out of `all`. */
function scanned(sql: string, all: Partition[]): Partition[] {
  const tests = conjuncts(sql)
    .filter((c) => PARTITION_COLUMNS.test(c))
    .map(predicate);
  // Any other conjunct naming a partition column would be one this check does not read.
  for (const c of conjuncts(sql).filter((c) => !PARTITION_COLUMNS.test(c))) {
    expect(c).not.toMatch(/(\baccount\b|\bregion\b|"timestamp")/);
  }
  return all.filter((p) => tests.every((t) => t(p)));
}

const day = (d: Date) => d.toISOString().slice(0, 10).replace(/-/g, '/');

function days(from: string, count: number): string[] {
  const start = new Date(`${from}T00:00:00Z`).getTime();
  return Array.from({ length: count }, (_, i) => day(new Date(start + i * 86_400_000)));
}

const ORGANIZATION = Array.from({ length: 50 }, (_, i) => String(100000000000 + i));
const TRAIL_REGIONS = ['us-east-1', 'eu-west-1', 'eu-central-1', 'ap-southeast-2'];
const TRAIL_DAYS = days('2025-01-01', 730);
const ALL: Partition[] = ORGANIZATION.flatMap((account) =>
  TRAIL_REGIONS.flatMap((region) =>
    TRAIL_DAYS.map((timestamp) => ({ account, region, timestamp })),
  ),
);
const table = { database: 'gatewarden_prod', table: 'cloudtrail' };

describe('the organization report scans only its window’s partitions', () => {
  it.each([
    [
      '90 days, whole organization, two regions',
      '2026-08-30T06:00:00Z',
      '2026-11-28T06:00:00Z',
      50,
      2,
    ],
    ['one day, one account, one region', '2026-03-01T00:00:00Z', '2026-03-01T23:59:59Z', 1, 1],
    ['across a year boundary', '2025-12-20T12:00:00Z', '2026-01-10T12:00:00Z', 7, 4],
  ])('%s', (_, from, to, accountCount, regionCount) => {
    const window = { from: new Date(from), to: new Date(to) };
    const accounts = ORGANIZATION.slice(0, accountCount);
    const regions = TRAIL_REGIONS.slice(0, regionCount);

    const read = scanned(athenaUsageQuery(table, window, { accounts, regions }), ALL);

    const windowDays = TRAIL_DAYS.filter((d) => d >= day(window.from) && d <= day(window.to));
    expect(read).toHaveLength(accounts.length * regions.length * windowDays.length);
    expect(new Set(read.map((p) => p.account))).toEqual(new Set(accounts));
    expect(new Set(read.map((p) => p.region))).toEqual(new Set(regions));
    expect(new Set(read.map((p) => p.timestamp))).toEqual(new Set(windowDays));
  });

  it('without an account list reads every account of the window’s days (single-account tables)', () => {
    const window = { from: new Date('2026-11-01T00:00:00Z'), to: new Date('2026-11-02T00:00:00Z') };
    expect(scanned(athenaUsageQuery(table, window), ALL)).toHaveLength(
      ORGANIZATION.length * TRAIL_REGIONS.length * 2,
    );
  });

  it.each([
    [{ accounts: ["123456789012') OR ('1'='1"] }, 'not an account id'],
    [{ accounts: ['12345678901'] }, 'not an account id'],
    [{ accounts: [] }, 'no an account id to query'],
    [{ regions: ["eu-west-1' OR 'x'='x"] }, 'not a region name'],
  ])('refuses partition values that are not ids or region names: %j', (partitions, message) => {
    const window = { from: new Date('2026-11-01T00:00:00Z'), to: new Date('2026-11-02T00:00:00Z') };
    expect(() => athenaUsageQuery(table, window, partitions)).toThrow(message);
  });
});
