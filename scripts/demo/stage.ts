/**
 * The parts of a deployed gatewarden the demo needs on the local stack. moto stores a rotation
 * function but never runs it; the CLI drives the rotation steps in-process on the local stack.
 */
import { ensureLocalRotationFunction } from '../../test/support/vendors/rotationFunction.js';

const ROTATOR = 'gatewarden-local-rotate';

/** The (never run) rotate function and its role, the rotator of the demo's secrets. */
export async function ensureRotationFunction(): Promise<{ functionArn: string; roleArn: string }> {
  const functionArn = await ensureLocalRotationFunction(
    { region: process.env.AWS_REGION ?? 'us-east-1' },
    ROTATOR,
  );
  const account = functionArn.split(':')[4] ?? '123456789012';
  return { functionArn, roleArn: `arn:aws:iam::${account}:role/${ROTATOR}-role` };
}
