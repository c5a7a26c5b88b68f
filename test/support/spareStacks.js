// Enforcing local stacks started ahead, for the integration files that need a stack of their
// own (the role tests, invoke:local): starting one (moto, the front, the stage deployed) takes
// half a minute or more, during which such a file would only wait. With GATEWARDEN_SPARE_STACKS=1
// (CI sets it), the global set-up starts one spare once the shared stack is up, and each file
// that claims one starts the next, so the next such file finds it ready. A spare is started
// exactly as the file would start its own (`gatewarden local start --json`, the file's
// environment, IAM mode named), sits unused until claimed, and is stopped by the file that
// claimed it, as its own would be; the global teardown stops one nobody claimed.
// Off (the default), nothing changes: each file starts its own. Plain JS: the global set-up and
// teardown run outside ts-jest (types in spareStacks.d.ts).
import { spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CLI = join(ROOT, 'bin', 'gatewarden.js');
/** The run's folder of spares (set by the global set-up, inherited by the test files). */
const DIR_ENV = 'GATEWARDEN_SPARE_STACKS_DIR';
/** A spare's start has this long before a claim gives up on it (and starts a stack itself). */
const START_WAIT_MS = 240_000;

function read(file) {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return '';
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

/** Whether this run uses spares (GATEWARDEN_SPARE_STACKS=1). */
export function sparesWanted() {
  return process.env.GATEWARDEN_SPARE_STACKS === '1';
}

/** Global set-up: the run's folder of spares, named in the environment the files inherit. */
export function openSpares() {
  if (!sparesWanted()) return;
  process.env[DIR_ENV] = mkdtempSync(join(tmpdir(), 'gw-spare-stacks-'));
}

/**
 * Starts a spare stack with IAM in `mode`, in the background, from `env` (the environment the
 * file that will claim it would start its own stack with). One at a time: none when an
 * unclaimed one is there already.
 */
export function startSpare(env, mode) {
  const root = process.env[DIR_ENV];
  if (!root) return;
  for (const name of readdirSync(root)) {
    if (!existsSync(join(root, name, 'claimed'))) return;
  }
  const dir = mkdtempSync(join(root, 'spare-'));
  writeFileSync(join(dir, 'mode'), mode);
  // The shell notes the start's exit status once it ended (`exit`): the spare is ready then.
  const script = '"$0" "$@" >"$SPARE/start.json" 2>"$SPARE/start.log"; echo $? >"$SPARE/exit"';
  const child = spawn('sh', ['-c', script, process.execPath, CLI, 'local', 'start', '--json'], {
    cwd: ROOT,
    env: {
      ...env,
      [DIR_ENV]: root,
      SPARE: dir,
      GATEWARDEN_LOCAL_STATE_DIR: dir,
      GATEWARDEN_LOCAL_IAM: mode,
    },
    // Its own process group, which the teardown stops if its start never ends.
    detached: true,
    stdio: 'ignore',
  });
  child.on('error', () => undefined);
  writeFileSync(join(dir, 'pid'), String(child.pid ?? ''));
  child.unref();
}

/**
 * A ready spare with IAM in `mode`, now this caller's (it stops it, as it would its own):
 * `{ dir, stdout }` (`stdout`: what `local start --json` printed), or undefined when there is
 * none, or its start failed. Waits for one still starting. Then starts the next spare.
 */
export async function claimSpare(env, mode) {
  const root = process.env[DIR_ENV];
  if (!root) return undefined;
  let claimed;
  for (const name of readdirSync(root).sort()) {
    const dir = join(root, name);
    if (read(join(dir, 'mode')) !== mode || existsSync(join(dir, 'claimed'))) continue;
    const deadline = Date.now() + START_WAIT_MS;
    while (!existsSync(join(dir, 'exit')) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    if (read(join(dir, 'exit')) !== '0') continue;
    try {
      renameSync(join(dir, 'exit'), join(dir, 'claimed'));
    } catch {
      continue; // another file took it
    }
    claimed = { dir, stdout: readFileSync(join(dir, 'start.json'), 'utf8') };
    break;
  }
  startSpare(env, mode);
  return claimed;
}

/** Global teardown: stops every spare nobody claimed (after its start ended), then forgets them. */
export async function closeSpares() {
  const root = process.env[DIR_ENV];
  if (!root || !existsSync(root)) return;
  for (const name of readdirSync(root)) {
    const dir = join(root, name);
    if (existsSync(join(dir, 'claimed'))) continue;
    const deadline = Date.now() + START_WAIT_MS;
    const pid = Number(read(join(dir, 'pid')));
    while (!existsSync(join(dir, 'exit')) && pid > 0 && alive(pid) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    if (!existsSync(join(dir, 'exit')) && pid > 0) {
      try {
        process.kill(-pid, 'SIGTERM');
      } catch {
        // gone
      }
    }
    spawnSync(process.execPath, [CLI, 'local', 'stop'], {
      cwd: ROOT,
      env: { ...process.env, GATEWARDEN_LOCAL_STATE_DIR: dir },
      stdio: 'ignore',
      timeout: 120_000,
    });
  }
}
