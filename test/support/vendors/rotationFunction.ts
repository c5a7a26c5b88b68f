import { localRotationFunction } from '../../../cli/commands/registerLocal.js';

/**
 * The stand-in `rotate` function registered in moto's Lambda, so `RotateSecret` accepts its
 * ARN (moto checks the function exists; it never runs it, which is why the CLI drives the
 * steps in-process locally). Idempotent; returns the function ARN.
 */
export async function ensureLocalRotationFunction(
  config: { region: string; maxAttempts?: number },
  name = 'gatewarden-local-rotate',
): Promise<string> {
  return (await localRotationFunction(config, name)).functionArn;
}
