/**
 * One `serverless` package, deploy or remove at a time in this tree. Whatever `--package` says,
 * the framework works through the tree's own `.serverless/`: a deploy copies its package there
 * and deletes the folder when done; a package ending meanwhile moves that folder's content into
 * its own output and deletes it. Two of them at once in one tree can so take each other's files.
 * That happens when CI runs the integration tests (which deploy stacks) beside the unit tests and
 * the static checks (which package) or the mutation check (which deploys a stack of its own).
 * A lock left by a process that is gone is taken over.
 * TEST/DEMO COMPONENT — local stack, tests and CI only.
 */
import {
  closeSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { PROJECT_ROOT } from './paths.js';

/**
 * The lock: a file naming the process that holds it, in the tree's `.gatewarden/` (ignored by
 * git; not `.esbuild/`, which the framework may delete as its work folder).
 */
export const SERVERLESS_LOCK = join(PROJECT_ROOT, '.gatewarden', 'serverless.lock');

/** Longer than any package or deploy (under a minute each) queued behind a few others. */
const WAIT_MS = 15 * 60_000;

function holderOf(file: string): number {
  try {
    return Number(readFileSync(file, 'utf8').trim());
  } catch {
    return 0;
  }
}

function ageMs(file: string): number {
  try {
    return Date.now() - statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Runs `work` holding the tree's serverless lock; waits for it first (polling, as another
 * process may hold it). `log` is told once when it has to wait. Not reentrant: `work` must not
 * take it again. `lockFile` is for tests.
 */
export async function withServerlessLock<T>(
  work: () => Promise<T>,
  log: (line: string) => void = () => undefined,
  lockFile: string = SERVERLESS_LOCK,
): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  mkdirSync(dirname(lockFile), { recursive: true });
  let told = false;
  for (;;) {
    try {
      const fd = openSync(lockFile, 'wx');
      writeFileSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = holderOf(lockFile);
      // Empty: its holder is between creating and writing it, unless it died there.
      if (holder > 0 ? !alive(holder) : ageMs(lockFile) > 10_000) {
        rmSync(lockFile, { force: true });
        continue;
      }
      if (Date.now() > deadline)
        throw new Error(`another serverless run (pid ${holder}) holds ${lockFile}`);
      if (!told) log(`waiting for another serverless run in this tree (pid ${holder})`);
      told = true;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  try {
    return await work();
  } finally {
    if (holderOf(lockFile) === process.pid) rmSync(lockFile, { force: true });
  }
}
