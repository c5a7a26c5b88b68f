/**
 * What the CLI says when a command fails against the local stack the global setup started: a
 * not-found names what the user passed, where it looked, and exits 1; the same as JSON.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { localStack, uniqueName } from '../../support/localStack.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');

function gatewarden(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [join(ROOT, 'bin', 'gatewarden.js'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('gatewarden errors on the local stack', () => {
  it.each([
    ['rotate', '--secret'],
    ['register', 'update', '--secret'],
  ])('%s %s … names the secret that does not exist', (...command) => {
    // Prepare
    const secret = uniqueName('gatewarden/missing');

    // Act
    const { status, stdout, stderr } = gatewarden(...command, secret);

    // Assess
    expect({ status, stdout }).toEqual({ status: 1, stdout: '' });
    expect(stderr).toContain('gatewarden: ResourceNotFoundException\n');
    expect(stderr).toContain(
      `hint: secret "${secret}" was not found in region us-east-1 at ${localStack().endpoint}`,
    );
  });

  it('says the same in JSON on stdout under --json', () => {
    // Prepare
    const secret = uniqueName('gatewarden/missing');

    // Act
    const { status, stdout } = gatewarden('rotate', '--secret', secret, '--json');

    // Assess
    expect(status).toBe(1);
    expect(JSON.parse(stdout)).toEqual({
      error: {
        kind: 'runtime',
        message: 'ResourceNotFoundException',
        hint: expect.stringContaining(`secret "${secret}" was not found in region us-east-1`),
      },
    });
  });
});
