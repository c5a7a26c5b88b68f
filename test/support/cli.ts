import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root and the CLI a user runs (the bundle the global set-up built). */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
export const CLI = join(ROOT, 'bin/gatewarden.js');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `gatewarden ARGS…` in a child process as a user would, with test credentials and one
 * attempt per AWS call. No local stack of this work tree is consulted unless `env` names one
 * (GATEWARDEN_LOCAL_STATE_DIR).
 */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      {
        cwd: ROOT,
        env: {
          ...process.env,
          GATEWARDEN_LOCAL_STATE_DIR: mkdtempSync(join(tmpdir(), 'gw-cli-state-')),
          AWS_ACCESS_KEY_ID: 'testing',
          AWS_SECRET_ACCESS_KEY: 'testing',
          AWS_REGION: 'us-east-1',
          GATEWARDEN_AWS_MAX_ATTEMPTS: '1',
          ...env,
        },
        maxBuffer: 64 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = error ? ((error as { code?: number }).code ?? null) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
