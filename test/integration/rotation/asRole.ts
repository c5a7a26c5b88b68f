/**
 * The rotation code paths the integration tests run, each checked to run as the role that runs
 * it when deployed before it makes any call (test/support/runsAsRole.ts): the four steps, the
 * rotate function and the CLI's in-process driver as the rotate role; the sweep as the
 * rotateNow role. The driver's lease is the caller's, as in the CLI (`gatewarden rotate` takes
 * it with the operator's credentials). Tests under test/integration/rotation/ take these entry
 * points from here, never from lib/ or functions/ (test/unit/support/rotationRoleGuard.test.ts).
 */
import type { Context } from 'aws-lambda';
import { makeHandler, type RotateEvent } from '../../../functions/rotate.js';
import * as driver from '../../../lib/rotation/driver.js';
import * as engine from '../../../lib/rotation/engine.js';
import type { HandleStepDeps } from '../../../lib/rotation/handleStep.js';
import type { RotationDeps } from '../../../lib/rotation/ports.js';
import * as sweep from '../../../lib/rotation/sweep.js';
import { expectRunsAs } from '../../support/runsAsRole.js';

export { adminBecause } from '../../support/runsAsRole.js';

/** The CLI's in-process driver (`gatewarden rotate` on the local stack): the rotate role. */
export async function driveRotation(
  deps: RotationDeps,
  secretId: string,
  options?: driver.DriveOptions,
): Promise<driver.DriveResult> {
  await expectRunsAs(deps, 'rotate', 'the in-process driver', ['lock']);
  return driver.driveRotation(deps, secretId, options);
}

/** One rotation step, as the rotate function runs it. */
export async function runRotationStep(
  deps: RotationDeps,
  input: engine.StepInput,
  options?: engine.StepOptions,
): Promise<engine.StepOutcome> {
  await expectRunsAs(deps, 'rotate', `the ${input.step} step`);
  return engine.runRotationStep(deps, input, options);
}

/** The sweep of one secret, as the rotateNow function (and `rotate --sweep`) runs it. */
export async function sweepSecret(
  deps: RotationDeps,
  secretId: string,
  options?: Parameters<typeof sweep.sweepSecret>[2],
): Promise<sweep.SweepResult> {
  await expectRunsAs(deps, 'rotateNow', 'the sweep');
  return sweep.sweepSecret(deps, secretId, options);
}

/** functions/rotate.ts's handler on `deps`, which must be the rotate role's. */
export function rotateHandler(
  deps: HandleStepDeps,
): (event: RotateEvent, context: Context) => Promise<void> {
  const handler = makeHandler(deps);
  return async (event, context) => {
    await expectRunsAs(deps, 'rotate', 'the rotate function');
    return handler(event, context);
  };
}
