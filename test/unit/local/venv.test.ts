import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ensurePythonEnv,
  pipProgressLine,
  pythonEnvIsCurrent,
  pythonEnvPaths,
  requirementsHash,
} from '../../../local/venv.js';

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

describe('progress while the Python environment installs', () => {
  it.each([
    [
      'Collecting moto[server]==5.2.5 (from -r requirements.txt (line 1))',
      'collecting moto[server]==5.2.5',
    ],
    ['Installing collected packages: six, moto, cfn-lint', 'installing 3 packages'],
    ['  Downloading moto-5.2.5-py3-none-any.whl (4.1 MB)', undefined],
    ['Requirement already satisfied: six in ./.venv/lib', undefined],
    [
      'ERROR: No matching distribution found for moto',
      'ERROR: No matching distribution found for moto',
    ],
  ])('pip says %j → %j', (line, expected) => {
    expect(pipProgressLine(line)).toBe(expected);
  });

  it('reports each package, a heartbeat while pip is quiet, and the end', async () => {
    // Prepare: a venv whose python prints what pip prints, with a quiet spell in between.
    const root = mkdtempSync(join(tmpdir(), 'gw-venv-progress-'));
    const requirements = join(root, 'requirements.txt');
    writeFileSync(requirements, 'moto[server]==5.2.5\n');
    const venv = join(root, '.venv');
    mkdirSync(join(venv, 'bin'), { recursive: true });
    const python = pythonEnvPaths(venv).python;
    writeFileSync(
      python,
      [
        '#!/bin/sh',
        'echo "Collecting moto[server]==5.2.5"',
        'echo "  Downloading moto-5.2.5-py3-none-any.whl"',
        'echo "Collecting cfn-lint==1.40.0"',
        'sleep 1',
        'echo "Installing collected packages: cfn-lint, moto"',
        'echo "Successfully installed cfn-lint-1.40.0 moto-5.2.5"',
      ].join('\n'),
    );
    chmodSync(python, 0o755);
    const lines: string[] = [];

    // Act
    await ensurePythonEnv({
      dir: venv,
      requirements,
      log: (line) => lines.push(line),
      heartbeatMs: 400,
    });

    // Assess
    const text = lines.join('\n');
    expect(text).toMatch(/collecting moto\[server\]==5\.2\.5 \[1\]/);
    expect(text).toMatch(/collecting cfn-lint==1\.40\.0 \[2\]/);
    expect(text).toMatch(/still installing/);
    expect(text).toMatch(/installing 2 packages/);
    expect(text).toMatch(/Python environment ready/);
    expect(text).not.toMatch(/Downloading/);
    expect(pythonEnvIsCurrent(venv, requirements)).toBe(true);
  });
});
