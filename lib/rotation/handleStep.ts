import { publishAll, type AlertSink } from '../alerts/alert.js';
import { TAGS } from '../shared/env.js';
import { logger, safe } from '../shared/logger.js';
import { errorClassOf, safeReason } from '../shared/redact.js';
import {
  encodeRotationFailureTag,
  encodeStepInFlight,
  ROTATION_FAILURE_TAG,
  ROTATION_STEP_TAG,
  rotationFailedAlert,
} from './alerts.js';
import { runRotationStep, type StepInput, type StepOutcome } from './engine.js';
import type { RotationDeps } from './ports.js';

/** Where the rotate function records the last failure (a tag on the secret), if anywhere. */
export interface FailureRecorder {
  setTag(secretId: string, key: string, value: string | undefined): Promise<void>;
}

export interface HandleStepDeps extends RotationDeps {
  alerts: readonly AlertSink[];
  recorder?: FailureRecorder;
}

/**
 * One step as the rotate function runs it: the engine, then on failure a `Rotation Failed`
 * alert (secret ARN, gateway, step, error class — never a value) and the failure tag, and
 * the original error rethrown so Secrets Manager retries. A finished rotation clears the tag.
 * Inside Lambda (a deadline is known) each step first records itself in flight.
 */
export async function handleRotationStep(
  deps: HandleStepDeps,
  input: StepInput,
): Promise<StepOutcome> {
  try {
    // A function timeout or crash leaves no alert and no failure tag: say first which step runs
    // until when, so `rotate --wait` can tell a killed invocation from a slow one.
    if (input.deadline !== undefined && deps.recorder) {
      const value = encodeStepInFlight({
        versionId: input.token,
        step: input.step,
        deadline: input.deadline,
      });
      await deps.recorder.setTag(input.secretId, ROTATION_STEP_TAG, value).catch(() => undefined);
    }
    const outcome = await runRotationStep(deps, input);
    if (input.step === 'finishSecret' && outcome === 'done' && deps.recorder) {
      const recorder = deps.recorder;
      await Promise.all(
        [ROTATION_FAILURE_TAG, ROTATION_STEP_TAG].map((key) =>
          recorder.setTag(input.secretId, key, undefined).catch(() => undefined),
        ),
      );
    }
    return outcome;
  } catch (error) {
    const identity = await identify(deps, input.secretId);
    const failure = {
      ...identity,
      step: input.step,
      errorClass: errorClassOf(error),
      reason: safeReason(error),
      versionId: input.token,
      at: deps.clock.now().toISOString(),
    };
    logger.error('rotation step failed', safe({ ...failure, context: contextOf(error) }));
    const reports = [
      publishAll(deps.alerts, rotationFailedAlert(failure)),
      deps.recorder?.setTag(
        input.secretId,
        ROTATION_FAILURE_TAG,
        encodeRotationFailureTag(failure),
      ),
    ];
    for (const result of await Promise.allSettled(reports)) {
      if (result.status === 'rejected') {
        logger.warn(
          'could not report the rotation failure',
          safe({ error: errorClassOf(result.reason) }),
        );
      }
    }
    throw error;
  }
}

/** Secret ARN, gateway and kind from the secret's tags, best effort (Secrets Manager may be what failed). */
async function identify(
  deps: HandleStepDeps,
  secretId: string,
): Promise<{ secretArn: string; gatewayId?: string; kind?: string }> {
  try {
    const meta = await deps.store.describe(secretId);
    const gatewayId = meta.tags?.[TAGS.gateway];
    const kind = meta.tags?.[TAGS.kind];
    return { secretArn: meta.arn, ...(gatewayId ? { gatewayId } : {}), ...(kind ? { kind } : {}) };
  } catch {
    return { secretArn: secretId };
  }
}

function contextOf(error: unknown): unknown {
  return error instanceof Error && 'context' in error
    ? (error as { context: unknown }).context
    : undefined;
}
