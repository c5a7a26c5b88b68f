import { defaultDeps } from '../../../functions/report.js';
import { ReportInputError } from '../../../lib/reports/errors.js';
import { runCli } from '../../support/cli.js';

/**
 * The organization report's wiring: the scheduled function reads the members only when the
 * stack names the organization (set where its role may), and the CLI's --organization asks
 * for the role to read through.
 */
const base = {
  GATEWARDEN_REPORT_BUCKET: 'reports',
  GATEWARDEN_STAGE: 'prod',
  AWS_REGION: 'eu-west-1',
};

describe('the scheduled report on the central stage', () => {
  it('reads the stage’s own account when no organization is named', () => {
    expect(defaultDeps({ ...base, GATEWARDEN_ORGANIZATION_ID: '' }).organization).toBeUndefined();
  });

  it('reads the members when the organization is named', () => {
    const deps = defaultDeps({ ...base, GATEWARDEN_ORGANIZATION_ID: 'o-a1b2c3d4e5' });
    expect(deps.organization).toBeDefined();
  });

  it.each(['o-', 'r-a1b2', "o-a1b2c3d4e5' OR '1"])('refuses %j as the organization', (id) => {
    expect(() => defaultDeps({ ...base, GATEWARDEN_ORGANIZATION_ID: id })).toThrow(
      ReportInputError,
    );
  });
});

describe('gatewarden report --organization', () => {
  it('asks for --stage or --member-role', async () => {
    const run = await runCli(['report', '--organization', '--no-progress']);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('--organization needs --stage');
  });

  it('refuses a role ARN as --member-role and offline inputs', async () => {
    const arn = await runCli([
      'report',
      '--organization',
      '--member-role',
      'arn:aws:iam::111122223333:role/x',
    ]);
    expect(arn.stderr).toContain('--member-role must be a role name');
    const offline = await runCli(['report', '--organization', '--stage', 'p', '--iam', 'x.json']);
    expect(offline.stderr).toContain('usage only from --athena');
  });
});
