import { localRotationFunction } from '../../../cli/commands/registerLocal.js';

/**
 * The stand-in `rotate` function in moto's Lambda that `gatewarden register` uses on the local
 * stack (moto checks a rotation function exists and never runs it). Returns its ARN; for the
 * ARN and its role use `localRotationFunction` from cli/commands/registerLocal.ts.
 */
export async function ensureLocalRotationFunction(
  config: { region: string; maxAttempts?: number },
  name?: string,
): Promise<string> {
  return (await localRotationFunction(config, name)).functionArn;
}
