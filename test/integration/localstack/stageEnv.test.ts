/**
 * `gatewarden env --stage local` as a user runs it, against the `local` stage the global setup
 * deployed from the packaged template: the stack outputs become the variables the CLI reads.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..', '..');

function gatewarden(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [join(ROOT, 'bin', 'gatewarden.js'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('gatewarden env', () => {
  it('prints the deployed stage as export lines a shell can eval', () => {
    // Act
    const { status, stdout } = gatewarden('env', '--stage', 'local');

    // Assess
    expect(status).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines.every((line) => /^export [A-Z_]+='[^']*'$/.test(line))).toBe(true);
    expect(lines).toEqual(
      expect.arrayContaining([
        "export AWS_REGION='us-east-1'",
        "export GATEWARDEN_STAGE='local'",
        "export GATEWARDEN_STATE_TABLE='gatewarden-local-state'",
        "export GATEWARDEN_ROTATION_FUNCTION_ARN='arn:aws:lambda:us-east-1:123456789012:function:gatewarden-local-rotate'",
        "export GATEWARDEN_ROTATOR_ROLE_ARN='arn:aws:iam::123456789012:role/gatewarden-local-us-east-1-rotate'",
        "export GATEWARDEN_SWEEPER_ROLE_ARN='arn:aws:iam::123456789012:role/gatewarden-local-us-east-1-rotateNow'",
      ]),
    );
  });

  it('--json gives the same variables', () => {
    const lines = gatewarden('env', '--stage', 'local').stdout;
    const json = JSON.parse(gatewarden('env', '--stage', 'local', '--json').stdout) as Record<
      string,
      string
    >;
    for (const [name, value] of Object.entries(json)) {
      expect(lines).toContain(`export ${name}='${value}'`);
    }
    expect(json.GATEWARDEN_SECRETS_KMS_KEY_ID).toMatch(/^arn:aws:kms:us-east-1:123456789012:key\//);
  });

  it('names a stage that is not deployed, the region, and how to deploy it (exit 1)', () => {
    const { status, stderr } = gatewarden('env', '--stage', 'nosuchstage');
    expect(status).toBe(1);
    expect(stderr).toContain(
      'gatewarden: stack gatewarden-nosuchstage does not exist in region us-east-1: deploy it (npx serverless deploy --stage nosuchstage --region us-east-1)',
    );
  });

  it('refuses a stage name that is not one (exit 2)', () => {
    const { status, stderr } = gatewarden('env', '--stage', "x';rm -rf /");
    expect(status).toBe(2);
    expect(stderr).toContain('--stage takes letters, digits and dashes');
  });
});
