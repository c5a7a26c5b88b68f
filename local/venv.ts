/**
 * The project-local Python environment (`.venv/`) that holds moto and cfn-lint.
 *
 * Created with `python3 -m venv` on first use and (re)installed from `local/requirements.txt`
 * whenever that file changes: a stamp inside the venv keeps the hash of the requirements it was
 * installed from. Other scripts (CI's cfn-lint step) call {@link ensurePythonEnv} or run
 * `npx tsx local/venv.ts` and then use the returned binaries. A tool whose dependencies clash
 * with moto's (checkov pins an old boto3) gets its own venv the same way: `dir`, `requirements`.
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
  /** What the requirements install, for the progress line (default: moto and cfn-lint). */
  label?: string;
  /** Where progress goes; stderr by default so stdout stays machine-readable. */
  log?: (line: string) => void;
  /** Silence after which a heartbeat line says the install is still running. */
  heartbeatMs?: number;
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
    `gatewarden: installing ${options.label ?? 'moto and cfn-lint'} into the Python environment (about a minute, once)`,
  );
  const started = Date.now();
  await run(
    paths.python,
    [
      '-m',
      'pip',
      'install',
      '--progress-bar',
      'off',
      '--disable-pip-version-check',
      '-r',
      requirements,
    ],
    pipProgressLog(log, started, options.heartbeatMs ?? 8_000),
  );
  log(`gatewarden: Python environment ready (${Math.round((Date.now() - started) / 1000)} s)`);
  writeFileSync(join(dir, STAMP), `${requirementsHash(requirements)}\n`);
  return paths;
}

/**
 * One short progress line for a line of pip's output, or undefined for the lines nobody needs
 * to read (downloads, cache hits, "Requirement already satisfied"). Pure.
 */
export function pipProgressLine(line: string): string | undefined {
  const text = line.trim();
  const collecting = /^Collecting (\S+)/.exec(text);
  if (collecting) return `collecting ${collecting[1] ?? ''}`;
  const installing = /^Installing collected packages: (.+)$/.exec(text);
  if (installing) {
    const count = (installing[1] ?? '').split(',').filter((name) => name.trim()).length;
    return `installing ${count} packages`;
  }
  if (/^(ERROR|WARNING):/.test(text)) return text;
  return undefined;
}

/**
 * Progress while pip runs: a line per package it collects, and a heartbeat when it has been
 * quiet (building wheels, installing) for a while, so a first run is never silent for long.
 */
function pipProgressLog(
  log: (line: string) => void,
  started: number,
  heartbeatMs: number,
): ProgressSink {
  let collected = 0;
  let lastSaid = Date.now();
  const say = (line: string): void => {
    lastSaid = Date.now();
    const elapsed = Math.round((Date.now() - started) / 1000);
    log(`gatewarden:   ${line} (${elapsed} s)`);
  };
  return {
    line(line) {
      const progress = pipProgressLine(line);
      if (!progress) return;
      if (progress.startsWith('collecting')) collected += 1;
      say(progress.startsWith('collecting') ? `${progress} [${collected}]` : progress);
    },
    tick() {
      if (Date.now() - lastSaid >= heartbeatMs) say('still installing…');
    },
  };
}

interface ProgressSink {
  line(line: string): void;
  tick(): void;
}

function pythonCommand(): string {
  return process.env.GATEWARDEN_PYTHON ?? 'python3';
}

function run(command: string, args: string[], progress?: ProgressSink): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    // Progress goes to our log (stderr); stdout is kept clean for `eval "$(...)"`.
    const child = spawn(command, args, {
      stdio: ['ignore', progress ? 'pipe' : process.stderr, process.stderr],
    });
    let pending = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (pending + chunk).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) progress?.line(line);
    });
    const ticker = progress ? setInterval(() => progress.tick(), 250) : undefined;
    child.on('error', (error) => {
      clearInterval(ticker);
      reject(new Error(`could not run ${command}: ${error.message} (is Python 3.10+ installed?)`));
    });
    child.on('exit', (code, signal) => {
      clearInterval(ticker);
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
