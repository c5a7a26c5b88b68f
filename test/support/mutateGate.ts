/**
 * The gate scripts/mutateRoles.ts holds a warmed-up run of the role tests at: with
 * `GATEWARDEN_MUTATE_GO_FILE` set, the file's first hook waits until that file exists, before
 * any of the test file's own hooks (set-up included) touch the stack. The runner starts the next
 * run while the current one tests, so jest's start, its global set-up and the test file's
 * imports are done by the time the next statement has been taken out; it writes the file then.
 * Without the variable (every other run) this registers nothing.
 *
 * Registered for every integration file (jest.config.js `setupFilesAfterEnv`), before the file's
 * own hooks, so it runs first.
 */
import { existsSync } from 'node:fs';

/** The variable naming the file to wait for. */
export const GO_FILE_ENV = 'GATEWARDEN_MUTATE_GO_FILE';

/** The line the gate writes on stderr when a run reaches it. */
export const GATE_MARK = '@@mutate-roles-gate';

const goFile = process.env[GO_FILE_ENV];
if (goFile) {
  beforeAll(async () => {
    // Tells the runner this run is ready (it logs how much start-up it did ahead).
    process.stderr.write(`\n${GATE_MARK}\n`);
    while (!existsSync(goFile)) await new Promise((resolve) => setTimeout(resolve, 20));
    // A spare the runner no longer needs is stopped, never let go: no bound here.
  }, 0x7fffffff);
}
