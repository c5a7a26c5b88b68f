/**
 * `gatewarden report --label / --labels-file`, spawned as a user runs it: the labels reach the
 * JSON, Markdown and HTML written to --out and the console line; a bad rule is a usage error.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AccessReport } from '../../../lib/reports/reportTypes.js';
import { ROOT, runCli } from '../../support/cli.js';
import { trailCoveringToday } from '../../support/dailyRecords.js';

const FIXTURES = join(ROOT, 'test/fixtures/iam');
const IAM = join(FIXTURES, 'authorization-details.json');
// The CLI's window ends now: the fixture trail plus daily records to today covers it.
const TRAIL = trailCoveringToday(join(FIXTURES, 'trail'), '111122223333');
const BREAK_GLASS = 'arn:aws:iam::111122223333:role/break-glass';
const tmp = () => mkdtempSync(join(tmpdir(), 'gw-labels-'));

describe('gatewarden report --label', () => {
  it('marks the labelled principals in every format and says how many on the console', async () => {
    // Prepare
    const dir = tmp();
    const out = join(dir, 'out');
    const file = join(dir, 'labels.txt');
    writeFileSync(file, '# CI identities\narn:aws:iam::*:user/ci-*=ci\n');
    // Act
    const run = await runCli([
      'report',
      '--no-progress',
      '--iam',
      IAM,
      '--trail',
      TRAIL,
      '--format',
      'all',
      '--out',
      out,
      '--label',
      `${BREAK_GLASS}=break-glass`,
      '--label',
      'arn:aws:iam::*:role/gone-*=stale',
      '--labels-file',
      file,
    ]);
    // Assess
    expect(run.code).toBe(0);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as AccessReport;
    expect(report.roles.find((r) => r.arn === BREAK_GLASS)?.labels).toEqual(['break-glass']);
    expect(report.principals.find((p) => p.name === 'ci-bot')?.labels).toEqual(['ci']);
    const labelled = report.summary.labelled;
    expect(labelled?.principals).toBe(2);
    expect(labelled?.findings).toBe(report.findings.filter((f) => f.labels).length);
    expect(run.stderr).toMatch(
      /report: 2 principals and \d+ findings? labelled \(break-glass: 1 principal, \d+ findings?; ci: 1 principal/,
    );
    expect(run.stderr).toContain(
      'warning: --label arn:aws:iam::*:role/gone-*=stale matched no principal or finding',
    );
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toContain('\\[break-glass\\]');
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toContain(
      '<span class="label" data-label="ci">ci</span>',
    );
  });

  it('prints the labelled JSON on stdout and the count on stderr without --out', async () => {
    const run = await runCli([
      'report',
      '--no-progress',
      '--iam',
      IAM,
      '--label',
      `${BREAK_GLASS}=break-glass`,
    ]);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as AccessReport;
    expect(report.roles.find((r) => r.arn === BREAK_GLASS)?.labels).toEqual(['break-glass']);
    expect(run.stderr).toMatch(
      /^report: 1 principal and \d+ findings? labelled \(break-glass: .*\); counted in every total$/m,
    );
  });

  it.each([
    [['--label', 'arn:aws:iam::1:role/x'], /<principal ARN or glob>=<label>/],
    [['--label', `arn:aws:iam::1:role/x=${'y'.repeat(41)}`], /at most 40 characters/],
    [['--labels-file', '/nonexistent/labels.txt'], /cannot read --labels-file .*: no such file/],
  ])('refuses %j as a usage error (exit 2) before any analysis', async (args, message) => {
    const run = await runCli(['report', '--no-progress', '--iam', IAM, ...args]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stdout).toBe('');
  });
});
