/**
 * Start, stop and check the local stack from the CLI (and from jest's global setup through
 * the CLI). The stack itself runs in a detached daemon (daemon.ts); this side only spawns it,
 * waits for its state file and health, and signals it.
 */
import { spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { waitUntil } from './net.js';
import { DAEMON_LOG, MOTO_LOG, PROJECT_ROOT, START_LOCK, STATE_DIR, STATE_FILE } from './paths.js';
import { readState, type LocalStackState } from './state.js';
import { ensurePythonEnv } from './venv.js';

export type Log = (line: string) => void;
const stderrLog: Log = (line) => process.stderr.write(`${line}\n`);

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** True when the front answers its health check (moto and the OIDC provider included). */
export async function isHealthy(state: LocalStackState, timeoutMs = 2_000): Promise<boolean> {
  try {
    const response = await fetch(`${state.endpoint}/_gatewarden/health`, {
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = (await response.json()) as { ok?: boolean };
    return response.ok && body.ok === true;
  } catch {
    return false;
  }
}

export interface StackStatus {
  running: boolean;
  healthy: boolean;
  state?: LocalStackState;
}

export async function localStackStatus(): Promise<StackStatus> {
  const state = readState();
  if (!state || !isAlive(state.pid)) return { running: false, healthy: false };
  return { running: true, healthy: await isHealthy(state), state };
}

/**
 * Starts the stack unless a healthy one is already running (then returns it, `reused`).
 * Progress goes to `log` (stderr by default).
 */
export async function startLocalStack(
  log: Log = stderrLog,
): Promise<{ state: LocalStackState; reused: boolean }> {
  mkdirSync(STATE_DIR, { recursive: true });
  return withStartLock(log, async () => {
    const current = await localStackStatus();
    if (current.state && current.healthy) return { state: current.state, reused: true };
    if (current.state) {
      log('gatewarden: the running local stack is unhealthy; restarting it');
      await stopDaemon(current.state, log);
    }
    rmSync(STATE_FILE, { force: true });

    await ensurePythonEnv({ log });
    log('gatewarden: starting the local stack (moto, stand-in, OpenID Connect provider)');
    // Each stack gets fresh logs; the previous stack's stay beside them for a post-mortem.
    for (const file of [DAEMON_LOG, MOTO_LOG]) {
      if (existsSync(file)) renameSync(file, `${file}.previous`);
    }
    const output = openSync(DAEMON_LOG, 'a');
    const daemon = spawn(
      process.execPath,
      ['--import', 'tsx', join(PROJECT_ROOT, 'local', 'daemon.ts')],
      {
        cwd: PROJECT_ROOT,
        detached: true,
        stdio: ['ignore', output, output],
        env: process.env,
      },
    );
    closeSync(output);
    daemon.unref();
    const pid = daemon.pid;
    if (pid === undefined) throw new Error('could not spawn the local stack daemon');
    let exited = false;
    daemon.once('exit', () => (exited = true));

    const ready = await waitUntil(
      async () => {
        if (exited) return true;
        const state = readState();
        return state?.pid === pid && (await isHealthy(state, 1_000));
      },
      90_000,
      150,
    );
    const state = readState();
    if (!ready || exited || !state || state.pid !== pid) {
      if (isAlive(pid)) killGroup(pid, 'SIGKILL');
      throw new Error(`the local stack did not start; last log lines:\n${tail(DAEMON_LOG, 15)}`);
    }
    return { state, reused: false };
  });
}

/** Stops the stack if it runs; returns whether one was running. */
export async function stopLocalStack(log: Log = stderrLog): Promise<boolean> {
  const state = readState();
  if (!state) return false;
  const wasRunning = isAlive(state.pid);
  if (wasRunning) await stopDaemon(state, log);
  rmSync(STATE_FILE, { force: true });
  return wasRunning;
}

async function stopDaemon(state: LocalStackState, log: Log): Promise<void> {
  if (isAlive(state.pid)) {
    try {
      process.kill(state.pid, 'SIGTERM');
    } catch {
      // already gone
    }
    const stopped = await waitUntil(async () => !isAlive(state.pid), 10_000, 100);
    if (!stopped) {
      log(`gatewarden: the local stack (pid ${state.pid}) did not stop in time; killing it`);
      killGroup(state.pid, 'SIGKILL');
    }
  }
  // moto exits by itself when the daemon is gone (its stdin closes); make sure anyway.
  if (isAlive(state.motoPid)) {
    await waitUntil(async () => !isAlive(state.motoPid), 3_000, 100);
    if (isAlive(state.motoPid) && isOurMoto(state.motoPid)) process.kill(state.motoPid, 'SIGKILL');
  }
}

function isOurMoto(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('motoLauncher.py');
  } catch {
    return false;
  }
}

/** The daemon leads its own process group (detached), so this reaches moto too. */
function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // gone
    }
  }
}

/** One start at a time (a user and a test run may race); a lock left by a dead process is taken over. */
async function withStartLock<T>(log: Log, work: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 180_000;
  let told = false;
  for (;;) {
    try {
      const fd = openSync(START_LOCK, 'wx');
      writeFileSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number(readFileSafe(START_LOCK));
      if (!Number.isInteger(holder) || holder <= 0 || !isAlive(holder)) {
        rmSync(START_LOCK, { force: true });
        continue;
      }
      if (Date.now() > deadline)
        throw new Error(`another start (pid ${holder}) holds ${START_LOCK}`);
      if (!told) log(`gatewarden: waiting for another start of the local stack (pid ${holder})`);
      told = true;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    return await work();
  } finally {
    if (readFileSafe(START_LOCK) === String(process.pid)) rmSync(START_LOCK, { force: true });
  }
}

function readFileSafe(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return '';
  }
}

function tail(file: string, lines: number): string {
  if (!existsSync(file)) return '(no log)';
  return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}
