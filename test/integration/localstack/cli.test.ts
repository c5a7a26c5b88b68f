/** `gatewarden local` as a user runs it, against the stack the global setup started. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { localStack } from '../../support/localStack.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');

function gatewarden(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(
    process.execPath,
    [join(ROOT, 'bin', 'gatewarden.js'), 'local', ...args],
    {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 60_000,
    },
  );
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('gatewarden local (CLI)', () => {
  it('start on a healthy stack reuses it and prints the same exports, progress on stderr only', () => {
    const { status, stdout, stderr } = gatewarden('start');
    expect(status).toBe(0);
    expect(stdout).toContain(`export AWS_ENDPOINT_URL='${localStack().endpoint}'`);
    expect(stdout).toContain(`export GATEWARDEN_LOCAL_OIDC_ISSUER='${localStack().oidcIssuer}'`);
    expect(stdout).toContain("export AWS_S3_FORCE_PATH_STYLE='true'");
    expect(stdout.split('\n').every((line) => line === '' || line.startsWith('export '))).toBe(
      true,
    );
    expect(stderr).toMatch(/already running/);
  });

  it('start --json and status --json agree with the environment of the tests', () => {
    const started = gatewarden('start', '--json');
    const env = JSON.parse(started.stdout) as Record<string, string>;
    expect(env).toMatchObject({
      AWS_ENDPOINT_URL: process.env.AWS_ENDPOINT_URL,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
    });
    const status = gatewarden('status', '--json');
    expect(status.status).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ running: true, healthy: true, env });
  });

  it('never prints the registration token', () => {
    const outputs = [
      gatewarden('start'),
      gatewarden('start', '--json'),
      gatewarden('status'),
      gatewarden('status', '--json'),
    ];
    for (const output of outputs) {
      expect(output.stdout + output.stderr).not.toContain(localStack().oidcInitialAccessToken);
    }
  });

  it('deploy on a stack whose stage is deployed says there was nothing to deploy, exit 0', () => {
    // `start` above deployed the stage (once per stack).
    const { status, stdout, stderr } = gatewarden('deploy');
    expect(status).toBe(0);
    expect(stdout).toBe('');
    expect(stderr).toContain(
      'gatewarden: nothing to deploy: the local stage is already deployed on this stack',
    );
  });

  it.each([['start'], ['stop'], ['status']])('%s has --help', (command) => {
    const { status, stdout } = gatewarden(command, '--help');
    expect(status).toBe(0);
    expect(stdout).toContain(`Usage: gatewarden local ${command}`);
  });
});
