import { redactReason } from '../shared/redact.js';
import {
  decodeRotationFailureTag,
  decodeStepInFlight,
  ROTATION_FAILURE_TAG,
  ROTATION_STEP_TAG,
} from './alerts.js';
import type { RotationResult, Rotator } from './onDemand.js';
import type { RotationControl, SecretStatus } from './onDemandPorts.js';

/**
 * Following a rotation Secrets Manager runs: start it with RotateSecret, then watch
 * DescribeSecret until it lands, the rotate function records a failure, or time runs out.
 */

/** How long past an invocation's deadline its step may still be reported in flight. */
export const STOPPED_MARGIN_MS = 15_000;

export interface WaitOptions {
  pollMs?: number;
  timeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

/**
 * Rotator that asks Secrets Manager (RotateSecret) and, with `wait`, polls DescribeSecret until
 * AWSCURRENT moved to the new version and AWSPENDING is gone, or the rotation function
 * recorded a failure for this version (tag {@link ROTATION_FAILURE_TAG}), or the function was
 * killed during a step (tag {@link ROTATION_STEP_TAG} past its deadline), or time runs out.
 */
export function secretsManagerRotator(
  control: RotationControl,
  options: { wait: boolean } & WaitOptions,
): Rotator {
  return {
    async rotate(secretArn, token, onStep) {
      const started = Date.now();
      const before = await control.describe(secretArn);
      const previousVersionId = stageHolder(before, 'AWSCURRENT');
      const { versionId } = await control.startRotation(secretArn, token);
      onStep('started');
      if (!options.wait) {
        return {
          secretArn,
          outcome: 'started',
          versionId,
          ms: Date.now() - started,
          ...prev(previousVersionId),
        };
      }
      const waited = await waitForRotation(control, secretArn, versionId, options, onStep);
      return { ...waited, ...prev(previousVersionId), ms: Date.now() - started };
    },
  };
}

function prev(previousVersionId: string | undefined): { previousVersionId?: string } {
  return previousVersionId ? { previousVersionId } : {};
}

function stageHolder(status: SecretStatus, stage: string): string | undefined {
  return Object.entries(status.versionStages).find(([, stages]) => stages.includes(stage))?.[0];
}

/** Follows one rotation (by version id) until it lands, fails or times out. */
export async function waitForRotation(
  control: RotationControl,
  secretArn: string,
  versionId: string,
  options: WaitOptions = {},
  onStep: (state: string) => void = () => undefined,
): Promise<RotationResult> {
  const sleep = options.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
  const now = options.now ?? Date.now;
  const deadline = now() + (options.timeoutMs ?? 15 * 60_000);
  const started = now();
  let sawPending = false;
  for (;;) {
    const status = await control.describe(secretArn);
    const failure = status.tags[ROTATION_FAILURE_TAG]
      ? decodeRotationFailureTag(secretArn, status.tags[ROTATION_FAILURE_TAG] as string)
      : undefined;
    const stages = status.versionStages[versionId] ?? [];
    const pending = stageHolder(status, 'AWSPENDING');
    if (stages.includes('AWSCURRENT') && !pending) {
      return { secretArn, outcome: 'succeeded', versionId, ms: now() - started };
    }
    if (pending === versionId) sawPending = true;
    if (
      failure &&
      (failure.versionId === versionId ||
        (failure.versionId === undefined && Date.parse(failure.at ?? '') >= started))
    ) {
      return {
        secretArn,
        outcome: 'failed',
        versionId,
        step: failure.step,
        errorClass: failure.errorClass,
        // Anyone allowed to tag the secret can write this text: it is redacted like our own.
        ...(failure.reason ? { reason: redactReason(failure.reason) } : {}),
        ms: now() - started,
      };
    }
    // A step still in flight past its invocation's deadline: the function was killed (timeout,
    // out of memory, crash) before it could report. Secrets Manager may still retry the step.
    const inFlight = status.tags[ROTATION_STEP_TAG]
      ? decodeStepInFlight(status.tags[ROTATION_STEP_TAG] as string)
      : undefined;
    if (inFlight?.versionId === versionId && now() > inFlight.deadline + STOPPED_MARGIN_MS) {
      return {
        secretArn,
        outcome: 'failed',
        versionId,
        step: inFlight.step,
        errorClass: 'RotateFunctionStopped',
        reason:
          `the rotate function stopped during ${inFlight.step} without finishing or reporting ` +
          '(Lambda timeout or crash: see the RotateFunctionErrorsAlarm and the function logs); ' +
          'Secrets Manager may retry the step',
        ms: now() - started,
      };
    }
    // The function creates the pending version asynchronously: only a pending version we saw
    // disappear without becoming current means the rotation was abandoned.
    if (sawPending && !pending && !stages.includes('AWSCURRENT')) {
      return {
        secretArn,
        outcome: 'failed',
        versionId,
        step: 'unknown',
        errorClass: 'RotationAbandoned',
        reason: 'AWSPENDING was removed before the new version became AWSCURRENT',
        ms: now() - started,
      };
    }
    if (now() >= deadline) {
      return {
        secretArn,
        outcome: 'failed',
        versionId,
        step: pending === versionId ? 'inProgress' : 'unknown',
        errorClass: 'WaitTimeout',
        reason: 'the rotation did not land in time; the rotation function may still be retrying',
        ms: now() - started,
      };
    }
    onStep(pending === versionId ? 'pending' : 'waiting');
    await sleep(options.pollMs ?? 2_000);
  }
}
