import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Root of the project (the folder holding package.json), wherever the CLI was started from. */
export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Runtime state of the local stack: state file, logs, lock. Ignored by git. One stack per
 * state folder; `GATEWARDEN_LOCAL_STATE_DIR` gives a run a stack of its own.
 */
export const STATE_DIR = resolve(
  process.env.GATEWARDEN_LOCAL_STATE_DIR ?? join(PROJECT_ROOT, '.gatewarden'),
);
export const STATE_FILE = join(STATE_DIR, 'local-stack.json');
export const START_LOCK = join(STATE_DIR, 'local-stack.lock');
export const DAEMON_LOG = join(STATE_DIR, 'local-stack.log');
export const MOTO_LOG = join(STATE_DIR, 'moto.log');

/** The project-local Python environment holding moto and cfn-lint. */
export const VENV_DIR = join(PROJECT_ROOT, '.venv');
export const REQUIREMENTS_FILE = join(PROJECT_ROOT, 'local', 'requirements.txt');
