import { localRotationFunction } from '../../../cli/commands/register.js';

/**
 * The stand-in `rotate` function in moto's Lambda that `gatewarden register` uses on the local
 * stack (moto checks a rotation function exists and never runs it). Returns its ARN.
 */
export async function ensureLocalRotationFunction(config: {
  region: string;
  maxAttempts?: number;
}): Promise<string> {
  return (await localRotationFunction(config)).functionArn;
}
