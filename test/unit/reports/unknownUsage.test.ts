import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { IamDataCatalog } from '../../../lib/reports/catalog.js';
import { AuthorizationDetailsFile } from '../../../lib/reports/iamFile.js';
import { DirectoryActivitySource } from '../../../lib/reports/logFiles.js';
import { renderHtml } from '../../../lib/reports/render/html.js';
import { renderMarkdown } from '../../../lib/reports/render/markdown.js';
import { generateReport } from '../../../lib/reports/report.js';
import type { AccessReport } from '../../../lib/reports/reportTypes.js';
import { MemoryActivitySource } from '../../../lib/reports/usage.js';

/**
 * Usage unknown is never "unused": a source whose records prove nothing about the window (junk
 * JSON, records without eventTime, a trail entirely outside the window) leaves usage unknown
 * for every principal, raises no idle or unused finding, says so in every format, and fails
 * the CLI unless --allow-unknown-usage. Partly bad input still counts, with the gaps shown.
 */

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const CLI = join(ROOT, 'bin/gatewarden.js');
const EXPORT = join(ROOT, 'test/fixtures/iam/account-authorization-details.json');
const TRAIL = join(ROOT, 'test/fixtures/iam/trail-management');
const catalog = new IamDataCatalog();
/** The fixture trail's records are from 2026-11-25; this "now" puts them inside 90 days. */
const now = () => new Date('2026-11-28T00:00:00Z');
const execFileAsync = promisify(execFile);

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execFileAsync(
      process.execPath,
      [CLI, 'report', '--no-progress', ...args],
      {
        cwd: ROOT,
        env: { ...process.env, AWS_ENDPOINT_URL: 'http://127.0.0.1:9' },
        maxBuffer: 1 << 26,
      },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

const tmp = () => mkdtempSync(join(tmpdir(), 'gw-unknown-usage-'));

/** A folder of JSON that parses but holds no CloudTrail record. */
function junkFolder(): string {
  const dir = tmp();
  writeFileSync(join(dir, 'a.json'), JSON.stringify([{ hello: 'world' }, { n: 1 }]));
  writeFileSync(join(dir, 'b.json'), JSON.stringify({ Records: [{ foo: 'bar' }] }));
  return dir;
}

function expectUnknown(report: AccessReport): void {
  expect(report.sources.usage).toBe('unknown');
  expect(report.sources.activityUnknownReason).toBeDefined();
  expect([...report.roles, ...report.principals].every((p) => !p.usageKnown)).toBe(true);
  expect(
    [...report.roles, ...report.principals].every(
      (p) => p.recommendation.status === 'unknown' && p.unusedActionCount === 0,
    ),
  ).toBe(true);
  expect(
    report.findings.filter(
      (f) => f.checkId === 'idle-principal' || f.checkId === 'unused-permissions',
    ),
  ).toEqual([]);
  const md = renderMarkdown(report);
  expect(md).toContain('**Usage unknown**');
  expect(md).not.toMatch(/Idle: no call/);
  const html = renderHtml(report);
  expect(html).toContain('Usage unknown');
  expect(html).not.toMatch(/Idle: no call/);
}

describe('usage unknown for everyone', () => {
  it('a folder of junk JSON: unknown, counted as not CloudTrail', async () => {
    const report = await generateReport({
      iam: new AuthorizationDetailsFile(EXPORT),
      activity: new DirectoryActivitySource(junkFolder()),
      catalog,
      now,
    });
    expectUnknown(report);
    expect(report.sources).toMatchObject({ eventsNotCloudTrail: 3, eventsInWindow: 0 });
    expect(report.sources.activityUnknownReason).toContain('3 records not CloudTrail');
  });

  it('a real trail entirely outside the window: unknown, not "idle"', async () => {
    const report = await generateReport({
      iam: new AuthorizationDetailsFile(EXPORT),
      activity: new DirectoryActivitySource(TRAIL),
      catalog,
      now: () => new Date('2027-06-01T00:00:00Z'),
    });
    expectUnknown(report);
    // The 8 records of the fixture's calls and its 98 daily service records (to 2026-11-30).
    expect(report.sources.activityUnknownReason).toMatch(/106 records outside the window/);
    expect(report.checks.find((c) => c.checkId === 'idle-principal')).toMatchObject({
      status: 'skipped',
      reason: expect.stringContaining('usage unknown'),
    });
  });

  it('records without eventTime: unknown, counted as such (not "outside the window")', async () => {
    const record = {
      eventSource: 'sts.amazonaws.com',
      eventName: 'GetCallerIdentity',
      userIdentity: {
        type: 'IAMUser',
        arn: 'arn:aws:iam::210987654321:user/deploy-bot',
        accountId: '210987654321',
      },
    };
    const report = await generateReport({
      iam: new AuthorizationDetailsFile(EXPORT),
      activity: new MemoryActivitySource([record, { ...record, eventTime: 'yesterday' }]),
      catalog,
      now,
    });
    expectUnknown(report);
    expect(report.sources).toMatchObject({ eventsWithoutTime: 2, eventsOutsideWindow: 0 });
  });
});

describe('partly bad input still counts, with the gaps shown', () => {
  it('junk files and records beside a real trail: usage known, skips counted', async () => {
    // Prepare: the fixture trail plus a junk file and a record without eventTime.
    const dir = tmp();
    cpSync(TRAIL, dir, { recursive: true });
    mkdirSync(join(dir, 'extra'));
    writeFileSync(join(dir, 'extra/junk.json'), JSON.stringify([{ not: 'a record' }]));
    writeFileSync(join(dir, 'extra/broken.json'), '{"Records": [');
    writeFileSync(
      join(dir, 'extra/notime.json'),
      JSON.stringify({ Records: [{ eventSource: 'iam.amazonaws.com', eventName: 'GetRole' }] }),
    );
    // Act
    const report = await generateReport({
      iam: new AuthorizationDetailsFile(EXPORT),
      activity: new DirectoryActivitySource(dir),
      catalog,
      now,
    });
    // Assess
    expect(report.sources.usage).toBe('known');
    expect(report.sources.activityUnknownReason).toBeUndefined();
    expect(report.sources).toMatchObject({
      // 8 of the fixture's calls and 90 of its daily service records.
      eventsInWindow: 8 + 90,
      eventsNotCloudTrail: 1,
      eventsWithoutTime: 1,
    });
    const reasons = report.sources.issues.map((i) => i.reason);
    expect(reasons).toEqual(
      expect.arrayContaining([
        '1 record not CloudTrail (no eventSource/eventName)',
        '1 record without eventTime',
        expect.stringContaining('not valid JSON'),
      ]),
    );
    const md = renderMarkdown(report);
    expect(md).toContain('1 record without eventTime');
    expect(md).toContain('1 record not CloudTrail');
  });
});

describe('the CLI', () => {
  it('exits 1 when usage is unknown, says so, and still writes the report', async () => {
    const result = await cli(['--iam', EXPORT, '--trail', junkFolder()]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('error: usage unknown');
    expect(result.stderr).toContain('--allow-unknown-usage');
    const report = JSON.parse(result.stdout) as AccessReport;
    expectUnknown(report);
  }, 60_000);

  it('exits 0 with --allow-unknown-usage, with a warning', async () => {
    const result = await cli([
      '--iam',
      EXPORT,
      '--trail',
      TRAIL,
      '--days',
      '1',
      '--allow-unknown-usage',
      '--format',
      'md',
    ]);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('warning: usage unknown');
    expect(result.stdout).toContain('**Usage unknown**');
    expect(result.stdout).not.toMatch(/Idle: no call/);
  }, 60_000);

  it('a report without any activity source is not an error (nothing claims usage)', async () => {
    const result = await cli(['--iam', EXPORT]);
    expect(result.code).toBe(0);
    expect((JSON.parse(result.stdout) as AccessReport).sources.usage).toBe('none');
  }, 60_000);
});
