import { driveRotation, type DriveOptions } from './driver.js';
import type { RotationDeps } from './ports.js';
import type { RotationResult, Rotator } from './onDemand.js';

/**
 * Rotator for the local stack: moto stores a secret's rotation function but never invokes it,
 * so the four steps run in this process through the engine's driver, with the same ports the
 * rotate function uses. A failure throws the driver's step error, which `rotateMany` reports
 * with its step and error class.
 */
export function localRotator(
  deps: RotationDeps,
  options: Pick<DriveOptions, 'staleAfterSeconds' | 'signal' | 'force' | 'revokePrevious'> = {},
): Rotator {
  return {
    async rotate(secretArn, token, onStep): Promise<RotationResult> {
      const started = Date.now();
      const result = await driveRotation(deps, secretArn, {
        ...options,
        token,
        onStep: (step) => onStep(step),
      });
      return {
        secretArn: result.secretArn,
        outcome: 'succeeded',
        versionId: result.versionId,
        tested: result.tested,
        ...(result.previousVersionId ? { previousVersionId: result.previousVersionId } : {}),
        ms: Date.now() - started,
      };
    },
  };
}
