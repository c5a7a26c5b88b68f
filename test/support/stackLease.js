// Shared by globalSetup.js and globalTeardown.js (plain JS: they run outside ts-jest).
// Several test runs may share one local stack (one work tree, one `.gatewarden/`): each run
// holds a lease while it runs, and the stack is stopped by the last run out — and only if a
// test run started it (a stack someone started by hand is left alone).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const STATE_DIR = resolve(process.env.GATEWARDEN_LOCAL_STATE_DIR ?? join(ROOT, '.gatewarden'));
const LEASES = join(STATE_DIR, 'test-leases');
const STARTED_BY_TESTS = join(STATE_DIR, 'started-by-tests');
const STATE_FILE = join(STATE_DIR, 'local-stack.json');

/** Runs `gatewarden local <args>` with this Node (22) and returns its stdout. */
export function gatewarden(args) {
  const result = spawnSync(
    process.execPath,
    [join(ROOT, 'bin', 'gatewarden.js'), 'local', ...args],
    {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      timeout: 600_000,
    },
  );
  if (result.status !== 0) {
    throw new Error(
      `gatewarden local ${args.join(' ')} failed (${result.error?.message ?? `exit ${result.status}`})`,
    );
  }
  return result.stdout;
}

export function readStackState() {
  try {
    return JSON.parse(readFileSync(STATE_FILE, 'utf8'));
  } catch {
    return undefined;
  }
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

export function takeLease() {
  mkdirSync(LEASES, { recursive: true });
  writeFileSync(join(LEASES, String(process.pid)), '');
}

export function markStartedByTests(stackPid) {
  writeFileSync(STARTED_BY_TESTS, String(stackPid));
}

/** Drops our lease; true when we were the last run out of a stack that tests started. */
export function releaseLease() {
  rmSync(join(LEASES, String(process.pid)), { force: true });
  const others = existsSync(LEASES)
    ? readdirSync(LEASES).filter((name) => {
        const pid = Number(name);
        if (Number.isInteger(pid) && alive(pid)) return true;
        rmSync(join(LEASES, name), { force: true });
        return false;
      })
    : [];
  if (others.length > 0) return false;
  const startedBy = existsSync(STARTED_BY_TESTS)
    ? Number(readFileSync(STARTED_BY_TESTS, 'utf8'))
    : NaN;
  const state = readStackState();
  if (!state || state.pid !== startedBy) return false;
  rmSync(STARTED_BY_TESTS, { force: true });
  return true;
}
