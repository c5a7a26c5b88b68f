/**
 * Public API of the rotation engine. The rotate function, the CLI (`rotate --local --wait`),
 * the rotateNow function and the benchmark use these; everything else is internal.
 */
export { driveRotation, RotationStepError, type DriveOptions, type DriveResult } from './driver.js';
export {
  normaliseStep,
  rotationSteps,
  runRotationStep,
  type RotationStep,
  type StepInput,
  type StepOptions,
  type StepOutcome,
} from './engine.js';
export * from './errors.js';
export { handleRotationStep, type FailureRecorder, type HandleStepDeps } from './handleStep.js';
export { MapIssuerRegistry } from './issuerRegistry.js';
export { MemoryRotationLock, processRotationLock, type RotationLock } from './lock.js';
export { STAGE, systemClock } from './ports.js';
export type * from './ports.js';
export { sweepSecret, type SweepResult } from './sweep.js';
export { checkedUrl, isAllowedUrl } from './urls.js';
export { HttpCredentialVerifier } from './verifier.js';
