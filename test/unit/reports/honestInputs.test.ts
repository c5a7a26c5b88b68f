import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { IamDataCatalog } from '../../../lib/reports/catalog.js';
import { ReportInputError } from '../../../lib/reports/errors.js';
import { AuthorizationDetailsFile, MemoryIamSource } from '../../../lib/reports/iamFile.js';
import { DirectoryActivitySource } from '../../../lib/reports/logFiles.js';
import { generateReport } from '../../../lib/reports/report.js';
import { MemoryActivitySource } from '../../../lib/reports/usage.js';
import { trailCoveringToday } from '../../support/dailyRecords.js';

/**
 * Honest inputs: an input that is not what it claims is an error with exit status 1, an empty
 * usage source is "unknown" (never "all unused"), and what the export lacks is reported.
 */

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const CLI = join(ROOT, 'bin/gatewarden.js');
const FIXTURES = join(ROOT, 'test/fixtures/iam');
const EXPORT = join(FIXTURES, 'account-authorization-details.json');
const TRAIL = join(FIXTURES, 'trail-management');
const TRAIL_FILE = join(
  TRAIL,
  'AWSLogs/210987654321/CloudTrail/us-east-1/2026/11/25/210987654321_CloudTrail_us-east-1_20261125T0905Z_Hk3mQ8vR2sPz0LwA.json.gz',
);
const execFileAsync = promisify(execFile);
const catalog = new IamDataCatalog();
const now = () => new Date('2026-11-28T00:00:00Z');

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execFileAsync(
      process.execPath,
      [CLI, 'report', '--no-progress', ...args],
      {
        cwd: ROOT,
        env: { ...process.env, AWS_ENDPOINT_URL: 'http://127.0.0.1:9' },
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

const tmp = () => mkdtempSync(join(tmpdir(), 'gw-report-'));

describe('--iam must be an authorization-details export', () => {
  it.each([
    ['{}', '{}', 'none of UserDetailList'],
    ['a CloudTrail file', JSON.stringify({ Records: [] }), 'is a CloudTrail file'],
    ['a LookupEvents export', JSON.stringify({ Events: [] }), 'is a CloudTrail file'],
    ['an array', '[]', 'expected a JSON object'],
  ])('refuses %s', async (_name, text, message) => {
    // Prepare
    const file = join(tmp(), 'iam.json');
    writeFileSync(file, text);
    // Act / Assess
    await expect(new AuthorizationDetailsFile(file).load()).rejects.toThrow(message);
    await expect(new AuthorizationDetailsFile(file).load()).rejects.toBeInstanceOf(
      ReportInputError,
    );
  });

  it('exits 1 from the CLI with the reason, for {} and for a gzip CloudTrail log', async () => {
    const empty = join(tmp(), 'iam.json');
    writeFileSync(empty, '{}');
    const [a, b] = await Promise.all([cli(['--iam', empty]), cli(['--iam', TRAIL_FILE])]);
    expect(a).toMatchObject({ code: 1, stdout: '' });
    expect(a.stderr).toContain('not get-account-authorization-details output');
    expect(b).toMatchObject({ code: 1, stdout: '' });
    expect(b.stderr).toContain('is gzip-compressed (a CloudTrail log file?)');
  }, 60_000);
});

describe('usage sources without a CloudTrail record', () => {
  it('a trail folder with no CloudTrail record is an error', async () => {
    // Prepare: a folder with a digest file and an unrelated JSON document.
    const dir = tmp();
    mkdirSync(join(dir, 'AWSLogs/1/CloudTrail-Digest'), { recursive: true });
    writeFileSync(join(dir, 'AWSLogs/1/CloudTrail-Digest/d.json'), '{"digestStartTime":"x"}');
    writeFileSync(join(dir, 'notes.json'), '{"hello":"world"}');
    // Act
    const result = cli(['--iam', EXPORT, '--trail', dir]);
    const direct = generateReport({
      iam: new AuthorizationDetailsFile(EXPORT),
      activity: new DirectoryActivitySource(dir),
      catalog,
      now,
    });
    // Assess
    await expect(direct).rejects.toThrow('holds no CloudTrail record');
    expect(await result).toMatchObject({ code: 1, stdout: '' });
    expect((await result).stderr).toContain('holds no CloudTrail record');
  }, 60_000);

  it('another source with no record leaves usage unknown, with a warning, not "all unused"', async () => {
    const report = await generateReport({
      iam: new AuthorizationDetailsFile(EXPORT),
      activity: new MemoryActivitySource([]),
      catalog,
      now,
    });
    expect(report.sources.activityUnknownReason).toContain('held no CloudTrail record');
    expect(report.sources.issues).toContainEqual(
      expect.objectContaining({ reason: 'no CloudTrail record: usage unknown' }),
    );
    expect(report.roles.every((r) => !r.usageKnown && r.unusedActionCount === 0)).toBe(true);
    expect(
      report.findings.filter(
        (f) => f.checkId === 'unused-permissions' || f.checkId === 'idle-principal',
      ),
    ).toEqual([]);
  });
});

describe('what the export lacks is reported', () => {
  let report: Awaited<ReturnType<typeof generateReport>>;
  beforeAll(async () => {
    report = await generateReport({
      iam: new AuthorizationDetailsFile(EXPORT),
      activity: new DirectoryActivitySource(TRAIL),
      catalog,
      now,
    });
  });

  it('lists a missing boundary and group, on the principal and in sources', () => {
    expect(report.sources).toMatchObject({
      missingBoundaries: ['arn:aws:iam::210987654321:policy/BreakGlassBoundary'],
      missingGroups: ['contractors'],
    });
    expect(report.principals.find((p) => p.name === 'deploy-bot')?.inputGaps).toEqual([
      'group contractors',
    ]);
    expect(report.checks.find((c) => c.checkId === 'missing-boundary')?.status).toBe('fail');
  });

  it('counts the service-linked roles it skipped', () => {
    expect(report.summary.skippedServiceLinkedRoles).toBe(2);
    expect(report.sources.skippedServiceLinkedRoles).toEqual([
      'arn:aws:iam::210987654321:role/aws-service-role/network.bedrock-agentcore.amazonaws.com/AWSServiceRoleForBedrockAgentCoreNetwork',
      'arn:aws:iam::210987654321:role/aws-service-role/support.amazonaws.com/AWSServiceRoleForSupport',
    ]);
  });

  it('a complete export has no gaps', async () => {
    const r = await generateReport({
      iam: new MemoryIamSource({ RoleDetailList: [], Policies: [] }),
      catalog,
      now,
    });
    expect(r.sources).toMatchObject({
      missingBoundaries: [],
      missingGroups: [],
      skippedServiceLinkedRoles: [],
    });
  });
});

describe('--out and --format', () => {
  it('writes only the format asked for', async () => {
    const out = join(tmp(), 'md-only');
    // The CLI's window ends now: the fixture trail plus daily records to today covers it.
    const trail = trailCoveringToday(TRAIL, '210987654321');
    const result = await cli(['--iam', EXPORT, '--trail', trail, '--format', 'md', '--out', out]);
    expect(result.code).toBe(0);
    expect(readdirSync(out)).toEqual(['report.md']);
  }, 60_000);

  it('fails before the analysis, with a clear message, when --out cannot be written', async () => {
    // Prepare: a regular file where the directory should be (root ignores permission bits).
    const file = join(tmp(), 'a-file');
    writeFileSync(file, 'x');
    // Act: an IAM file that does not exist would fail later, so the --out check must come first.
    const result = await cli(['--iam', join(tmp(), 'missing.json'), '--out', join(file, 'out')]);
    // Assess
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `cannot write the report to --out ${join(file, 'out')}: a file is in the way`,
    );
    expect(result.stderr).not.toContain('cannot read IAM file');
    expect(existsSync(join(file, 'out'))).toBe(false);
  }, 60_000);
});
