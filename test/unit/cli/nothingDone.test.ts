/**
 * Every command says what it did when it did nothing: one human line naming why, exit 0 (or 1
 * when nothing was done because of an error). Spawned as a user runs them; the commands whose
 * "nothing" needs the stack or fakes are covered beside their logic (rotate and its sweep:
 * test/unit/rotation/cli-commands.test.ts; register update: registerUpdate.test.ts; doctor:
 * test/unit/doctor/doctor.test.ts; local deploy: test/integration/localstack/cli.test.ts).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, runCli } from '../../support/cli.js';

const BENIGN = join(ROOT, 'test/fixtures/cli/benign-trail.json');
const tmp = () => mkdtempSync(join(tmpdir(), 'gw-nothing-'));

describe('detect with nothing to report', () => {
  it('says no rule fired on the records it evaluated (exit 0, no finding on stdout)', async () => {
    const run = await runCli(['detect', '--no-progress', BENIGN]);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('no findings: no rule fired on the 1 record(s) evaluated\n');
  });

  it('says the records only trained baselines under --baseline-days', async () => {
    const run = await runCli(['detect', '--no-progress', '--baseline-days', '1', BENIGN]);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(
      'no findings: no rule fired on the 0 record(s) evaluated (1 record(s) only trained baselines, --baseline-days)\n',
    );
  });

  it('fails on an input with no CloudTrail record, saying so (an error, not "nothing")', async () => {
    const file = join(tmp(), 'empty.json');
    writeFileSync(file, '{"Records":[]}');
    const run = await runCli(['detect', '--no-progress', file]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('no valid CloudTrail record');
    expect(run.stderr).toContain('no findings: the input held no CloudTrail record to evaluate');
  });
});

describe('report with nothing to analyse', () => {
  it('says the IAM input holds no principal, and still writes a well-formed empty report', async () => {
    const dir = tmp();
    const iam = join(dir, 'iam.json');
    writeFileSync(
      iam,
      JSON.stringify({ UserDetailList: [], RoleDetailList: [], GroupDetailList: [], Policies: [] }),
    );
    const run = await runCli(['report', '--no-progress', '--iam', iam]);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as { roles: unknown[]; principals: unknown[] };
    expect(report).toMatchObject({ roles: [], principals: [] });
    expect(run.stderr).toContain(
      `report: nothing to analyse: authorization-details file ${iam} holds no role or user\n`,
    );
  });

  it('says usage is unknown when no activity source was read', async () => {
    const iam = join(ROOT, 'test/fixtures/iam/authorization-details.json');
    const run = await runCli(['report', '--no-progress', '--iam', iam, '--out', tmp()]);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(
      'report: no activity source read: used and unused actions are unknown and no policy is recommended',
    );
  });
});

describe('local with nothing running', () => {
  it('stop says no stack was running (exit 0)', async () => {
    const run = await runCli(['local', 'stop']);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('gatewarden: no local stack was running\n');
  });

  it('status says it is not running and names the next step (exit 1)', async () => {
    const run = await runCli(['local', 'status']);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('local stack is not running');
    expect(run.stdout).toContain('npx gatewarden local start');
  });
});
