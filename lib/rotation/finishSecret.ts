import { publishAll } from '../alerts/alert.js';
import { logger, safe } from '../shared/logger.js';
import { rotationSucceededAlert } from './alerts.js';
import type { StepContext, StepOutcome } from './engine.js';
import { errorClass } from './errors.js';
import { STAGE } from './ports.js';
import { readTrusted } from './trusted.js';

/**
 * finishSecret: move AWSCURRENT to the token (the old version becomes AWSPREVIOUS), remove
 * AWSPENDING, and publish `Rotation Succeeded`. The previous credential is already listed in
 * the new document's `retiring` with its `retireAfter`; a sweep or the next rotation revokes it.
 */
export async function finishSecret(ctx: StepContext): Promise<StepOutcome> {
  const { deps, input, meta, currentVersionId } = ctx;
  const where = { secretArn: meta.arn, versionId: input.token };
  const pending = await readTrusted(
    deps,
    meta,
    { versionId: input.token, stage: STAGE.pending },
    currentVersionId,
  );
  await deps.store.updateStage(input.secretId, {
    stage: STAGE.current,
    moveToVersionId: input.token,
    removeFromVersionId: currentVersionId,
  });
  await deps.store.updateStage(input.secretId, {
    stage: STAGE.pending,
    removeFromVersionId: input.token,
  });
  logger.info('rotation finished', safe({ ...where, previousVersionId: currentVersionId }));

  const retireAfter = pending.retiring
    .map((entry) => entry.retireAfter)
    .sort()
    .at(-1);
  try {
    // The rotation has landed; a lost event must not make Secrets Manager retry it.
    await publishAll(
      deps.events,
      rotationSucceededAlert({
        secretArn: meta.arn,
        gatewayId: pending.gatewayId,
        kind: pending.kind,
        versionId: input.token,
        previousVersionId: currentVersionId,
        ...(retireAfter ? { retireAfter } : {}),
        at: deps.clock.now().toISOString(),
      }),
    );
  } catch (error) {
    logger.warn(
      'could not publish the rotation event',
      safe({ ...where, error: errorClass(error) }),
    );
  }
  return 'done';
}
