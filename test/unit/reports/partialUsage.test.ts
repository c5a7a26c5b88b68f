import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { IamDataCatalog } from '../../../lib/reports/catalog.js';
import { AuthorizationDetailsFile } from '../../../lib/reports/iamFile.js';
import { renderHtml } from '../../../lib/reports/render/html.js';
import { renderMarkdown } from '../../../lib/reports/render/markdown.js';
import { generateReport } from '../../../lib/reports/report.js';
import type { AccessReport } from '../../../lib/reports/reportTypes.js';
import { MemoryActivitySource } from '../../../lib/reports/usage.js';
import { dailyRecords } from '../../support/dailyRecords.js';

/**
 * Usage is known only when the trail covers the window. One record planted inside a 90-day
 * window (or a trail that starts late, or stops early) says nothing about the rest of the
 * window: usage is partial, nothing is called unused or idle, the missing days are named in
 * every format, and the CLI fails unless --allow-unknown-usage. Days without records inside a
 * trail that does span the window are warnings only (quiet accounts have quiet days).
 */

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const CLI = join(ROOT, 'bin/gatewarden.js');
const EXPORT = join(ROOT, 'test/fixtures/iam/account-authorization-details.json');
const A = '210987654321';
const catalog = new IamDataCatalog();
/** A 90-day window: 2026-08-30T00:00Z → 2026-11-28T00:00Z (days 2026-08-30 … 2026-11-28). */
const NOW = new Date('2026-11-28T00:00:00Z');
const now = () => NOW;

/** A CloudTrail record of `role` calling sts:GetCallerIdentity at `eventTime`. */
function record(eventTime: string, role = 'gateway-deployer'): Record<string, unknown> {
  return {
    eventVersion: '1.09',
    eventTime,
    eventSource: 'sts.amazonaws.com',
    eventName: 'GetCallerIdentity',
    awsRegion: 'us-east-1',
    eventCategory: 'Management',
    userIdentity: {
      type: 'AssumedRole',
      arn: `arn:aws:sts::${A}:assumed-role/${role}/s`,
      accountId: A,
      sessionContext: {
        sessionIssuer: { type: 'Role', arn: `arn:aws:iam::${A}:role/${role}`, accountId: A },
      },
    },
  };
}

const report = (records: unknown[]) =>
  generateReport({
    iam: new AuthorizationDetailsFile(EXPORT),
    activity: new MemoryActivitySource(records),
    catalog,
    now,
  });

function expectNothingUnused(r: AccessReport): void {
  const all = [...r.roles, ...r.principals];
  expect(all.every((p) => !p.usageKnown && p.unusedActionCount === 0)).toBe(true);
  expect(all.every((p) => p.recommendation.status === 'unknown')).toBe(true);
  expect(
    r.findings.filter((f) => f.checkId === 'idle-principal' || f.checkId === 'unused-permissions'),
  ).toEqual([]);
}

describe('usage partial: the trail does not cover the window', () => {
  it('one planted record inside a 90-day window makes no principal "unused"', async () => {
    const r = await report([record('2026-10-15T12:00:00Z')]);
    expectNothingUnused(r);
    expect(r.sources.usage).toBe('partial');
    expect(r.sources.usageMissingDays).toEqual([
      { from: '2026-08-30', to: '2026-10-14' },
      { from: '2026-10-16', to: '2026-11-28' },
    ]);
    expect(r.sources.activityUnknownReason).toContain(
      'records on 2026-10-15 only, not on 2026-08-30 → 2026-10-14 and 2026-10-16 → 2026-11-28',
    );
    expect(renderMarkdown(r)).toContain(
      'Days of the window without any record: 2026-08-30 → 2026-10-14, 2026-10-16 → 2026-11-28.',
    );
    const html = renderHtml(r);
    expect(html).toContain('Usage partial');
    expect(html).toContain('2026-08-30 → 2026-10-14, 2026-10-16 → 2026-11-28');
    expect(html).not.toMatch(/Idle: no call/);
  });

  it('a trail that starts late (its first day two days in) is partial', async () => {
    const r = await report([
      record('2026-09-01T00:00:00Z'),
      ...dailyRecords(A, '2026-09-02', '2026-11-26'),
      record('2026-11-27T23:00:00Z'),
    ]);
    expect(r.sources.usage).toBe('partial');
    // Every day at the edges without a record is named, the last one's too.
    expect(r.sources.usageMissingDays).toEqual([
      { from: '2026-08-30', to: '2026-08-31' },
      { from: '2026-11-28', to: '2026-11-28' },
    ]);
    expectNothingUnused(r);
  });

  it('a trail that stops two days early is partial', async () => {
    const r = await report([
      record('2026-08-30T01:00:00Z'),
      ...dailyRecords(A, '2026-08-31', '2026-11-25'),
      record('2026-11-26T23:59:59Z'),
    ]);
    expect(r.sources.usage).toBe('partial');
    expect(r.sources.usageMissingDays).toEqual([{ from: '2026-11-27', to: '2026-11-28' }]);
    expectNothingUnused(r);
  });

  it('records within a day of both edges (UTC days) cover the window', async () => {
    // The window starts at 00:00 on 2026-08-30; the last day's logs may not be in yet.
    const r = await report([
      record('2026-08-31T23:59:59Z'),
      ...dailyRecords(A, '2026-09-01', '2026-11-26'),
      record('2026-11-27T00:00:00Z'),
    ]);
    expect(r.sources.usage).toBe('known');
    expect(r.sources.usageMissingDays).toBeUndefined();
    expect(r.roles.find((x) => x.name === 'gateway-deployer')?.usageKnown).toBe(true);
    expect(r.findings.some((f) => f.checkId === 'idle-principal')).toBe(true);
  });

  it('a record of any caller counts for coverage, even a refused or unattributed one', async () => {
    const denied = { ...record('2026-08-30T10:00:00Z'), errorCode: 'AccessDenied' };
    const service = {
      ...record('2026-11-27T08:00:00Z'),
      userIdentity: { type: 'AWSService', invokedBy: 'ec2.amazonaws.com' },
    };
    const r = await report([
      denied,
      service,
      record('2026-10-01T00:00:00Z'),
      ...dailyRecords(A, '2026-08-31', '2026-11-26'),
    ]);
    expect(r.sources.usage).toBe('known');
  });

  it('attack: two records of another caller at the window edges (planted, or a trail stopped for 87 days): partial, nobody unused', async () => {
    // Nothing is known of 2026-08-31 → 2026-11-26 (StopLogging, or the log files deleted and
    // one record kept/planted at each end), yet usage is "known" and idle-principal findings
    // recommend removing roles that may have been used every day of the gap.
    const r = await report([
      record('2026-08-30T10:00:00Z', 'someone-else'),
      record('2026-11-27T23:59:59Z', 'someone-else'),
    ]);
    expect(r.sources.usage).toBe('partial');
    expectNothingUnused(r);
  });

  it('days without records inside a covering trail are warnings, not unknown usage', async () => {
    const r = await report([
      record('2026-08-30T10:00:00Z'),
      ...dailyRecords(A, '2026-09-02', '2026-11-20'),
      record('2026-11-27T23:59:59Z'),
    ]);
    expect(r.sources.usage).toBe('known');
    const reasons = r.sources.issues.map((i) => i.reason);
    expect(reasons).toContain(
      'no record on 2026-08-31 → 2026-09-01 (2 days inside the window): a quiet account, or logs missing',
    );
    expect(reasons).toContain(
      'no record on 2026-11-21 → 2026-11-26 (6 days inside the window): a quiet account, or logs missing',
    );
  });

  it('more than a week without any record inside the window is partial, the silent days named', async () => {
    const r = await report([
      ...dailyRecords(A, '2026-08-30', '2026-10-01'),
      ...dailyRecords(A, '2026-10-10', '2026-11-28'),
    ]);
    expect(r.sources.usage).toBe('partial');
    expect(r.sources.usageMissingDays).toEqual([{ from: '2026-10-02', to: '2026-10-09' }]);
    expect(r.sources.activityUnknownReason).toContain('more than 7 days in a row');
    expectNothingUnused(r);
  });
});

describe('the CLI on a partial trail', () => {
  const execFileAsync = promisify(execFile);
  const planted = () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-partial-usage-'));
    const time = new Date(Date.now() - 30 * 24 * 3600 * 1000).toISOString();
    writeFileSync(join(dir, 'planted.json'), JSON.stringify({ Records: [record(time)] }));
    return dir;
  };
  async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    try {
      const { stdout, stderr } = await execFileAsync(
        process.execPath,
        [CLI, 'report', '--no-progress', '--iam', EXPORT, ...args],
        { cwd: ROOT, env: { ...process.env, AWS_ENDPOINT_URL: 'http://127.0.0.1:9' } },
      );
      return { code: 0, stdout, stderr };
    } catch (error) {
      const e = error as { code?: number; stdout?: string; stderr?: string };
      return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
    }
  }

  it('exits 1 naming the missing days, and 0 with --allow-unknown-usage', async () => {
    const failed = await cli(['--trail', planted()]);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/error: usage partial: .* only, not on \d{4}-\d\d-\d\d → /);
    const report = JSON.parse(failed.stdout) as AccessReport;
    expect(report.sources.usage).toBe('partial');
    expectNothingUnused(report);
    const allowed = await cli(['--trail', planted(), '--allow-unknown-usage', '--format', 'md']);
    expect(allowed.code).toBe(0);
    expect(allowed.stderr).toContain('warning: usage partial');
    expect(allowed.stdout).toContain('**Usage partial**');
  }, 60_000);
});
