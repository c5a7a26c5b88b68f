/**
 * The project-local Python environment (`.venv/`) that holds moto and cfn-lint.
 *
 * Created with `python3 -m venv` on first use and (re)installed from `local/requirements.txt`
 * whenever that file changes: a stamp inside the venv keeps the hash of the requirements it was
 * installed from. Other scripts (CI's cfn-lint step) call {@link ensurePythonEnv} or run
 * `npx tsx local/venv.ts` and then use the returned binaries.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { REQUIREMENTS_FILE, VENV_DIR } from './paths.js';

export interface PythonEnv {
  /** Root of the virtual environment. */
  dir: string;
  python: string;
  motoServer: string;
  cfnLint: string;
}

const STAMP = '.gatewarden-requirements.sha256';

/** Paths inside the venv, whether or not it exists yet. */
export function pythonEnvPaths(dir: string = VENV_DIR): PythonEnv {
  const bin = join(dir, 'bin');
  return {
    dir,
    python: join(bin, 'python'),
    motoServer: join(bin, 'moto_server'),
    cfnLint: join(bin, 'cfn-lint'),
  };
}

/** Hash of the requirements file: the venv is current when its stamp holds this value. */
export function requirementsHash(file: string = REQUIREMENTS_FILE): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/** True when the venv exists and was installed from the current requirements. */
export function pythonEnvIsCurrent(
  dir: string = VENV_DIR,
  file: string = REQUIREMENTS_FILE,
): boolean {
  const paths = pythonEnvPaths(dir);
  const stamp = join(dir, STAMP);
  if (!existsSync(paths.python) || !existsSync(stamp)) return false;
  return readFileSync(stamp, 'utf8').trim() === requirementsHash(file);
}

export interface EnsureOptions {
  dir?: string;
  requirements?: string;
  /** Where progress goes; stderr by default so stdout stays machine-readable. */
  log?: (line: string) => void;
}

/**
 * Makes sure the venv exists and matches `local/requirements.txt`; installs what is missing.
 * Safe to call on every start: when the stamp matches it only reads two small files.
 */
export async function ensurePythonEnv(options: EnsureOptions = {}): Promise<PythonEnv> {
  const dir = options.dir ?? VENV_DIR;
  const requirements = options.requirements ?? REQUIREMENTS_FILE;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const paths = pythonEnvPaths(dir);
  if (pythonEnvIsCurrent(dir, requirements)) return paths;

  if (!existsSync(paths.python)) {
    log(`gatewarden: creating the Python environment in ${dir} (first use)`);
    await run(pythonCommand(), ['-m', 'venv', dir]);
  }
  log(
    'gatewarden: installing moto and cfn-lint into the Python environment (this takes a minute once)',
  );
  await run(paths.python, [
    '-m',
    'pip',
    'install',
    '--quiet',
    '--disable-pip-version-check',
    '-r',
    requirements,
  ]);
  writeFileSync(join(dir, STAMP), `${requirementsHash(requirements)}\n`);
  return paths;
}

function pythonCommand(): string {
  return process.env.GATEWARDEN_PYTHON ?? 'python3';
}

function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    // pip's own progress goes to our stderr; stdout is kept clean for `eval "$(...)"`.
    const child = spawn(command, args, { stdio: ['ignore', process.stderr, process.stderr] });
    child.on('error', (error) =>
      reject(new Error(`could not run ${command}: ${error.message} (is Python 3.10+ installed?)`)),
    );
    child.on('exit', (code, signal) => {
      if (code === 0) resolvePromise();
      else
        reject(
          new Error(
            `${command} ${args.slice(0, 3).join(' ')} failed (${signal ?? `exit ${code}`})`,
          ),
        );
    });
  });
}

// `npx tsx local/venv.ts` ensures the environment and prints its root (used by CI).
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  ensurePythonEnv()
    .then((env) => process.stdout.write(`${env.dir}\n`))
    .catch((error: unknown) => {
      process.stderr.write(
        `gatewarden: ${error instanceof Error ? error.message : String(error)}\n`,
      );
      process.exitCode = 1;
    });
}
