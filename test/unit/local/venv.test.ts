import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pythonEnvIsCurrent, pythonEnvPaths, requirementsHash } from '../../../local/venv.js';

describe('project-local Python environment', () => {
  const root = mkdtempSync(join(tmpdir(), 'gw-venv-'));
  const requirements = join(root, 'requirements.txt');
  const venv = join(root, '.venv');
  writeFileSync(requirements, 'moto[server]==5.2.5\n');

  it('is not current before it exists', () => {
    expect(pythonEnvIsCurrent(venv, requirements)).toBe(false);
  });

  it('is current only while its stamp matches the requirements', () => {
    mkdirSync(join(venv, 'bin'), { recursive: true });
    writeFileSync(pythonEnvPaths(venv).python, '');
    writeFileSync(
      join(venv, '.gatewarden-requirements.sha256'),
      `${requirementsHash(requirements)}\n`,
    );
    expect(pythonEnvIsCurrent(venv, requirements)).toBe(true);

    writeFileSync(requirements, 'moto[server]==5.2.6\n');
    expect(pythonEnvIsCurrent(venv, requirements)).toBe(false);
  });

  it('names the binaries other scripts use', () => {
    expect(pythonEnvPaths('/p/.venv')).toEqual({
      dir: '/p/.venv',
      python: '/p/.venv/bin/python',
      motoServer: '/p/.venv/bin/moto_server',
      cfnLint: '/p/.venv/bin/cfn-lint',
    });
  });
});
