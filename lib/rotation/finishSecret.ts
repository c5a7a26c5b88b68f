import { publishAll } from '../alerts/alert.js';
import { logger, safe } from '../shared/logger.js';
import { rotationSucceededAlert } from './alerts.js';
import type { StepContext, StepOutcome } from './engine.js';
import { errorClass } from './errors.js';
import { STAGE } from './ports.js';
import type { SecretDocument } from './secretDocument.js';
import { isTestable } from './testSecret.js';
import { requireTestMark } from './testMark.js';
import { readTrusted } from './trusted.js';
import type { VersionRecord } from './binding.js';

/**
 * finishSecret: refuse a version without testSecret's mark for it (./testMark.ts), then start
 * the grace period of the credentials this version supersedes (in the
 * ledger: a rotation that lands late still gets its whole overlap), move AWSCURRENT to the
 * token (the old version becomes AWSPREVIOUS), remove AWSPENDING, and publish `Rotation
 * Succeeded`. A sweep or the next rotation revokes retired credentials once their grace passed.
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
  // Only a version testSecret passed (or ran for, under `--no-test`) is promoted: invoking the
  // function with finishSecret alone must not make an untested key AWSCURRENT.
  const record = await deps.bindings.versionRecord(meta.arn, input.token);
  requireTestMark(record, where, pending);
  const retiring = await startGrace(deps, meta.arn, pending, record);
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

  const retireAfter = retiring
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
        tested: isTestable(deps, pending),
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

/**
 * Restarts the grace clock of the credentials this version supersedes at promotion (now), in
 * the version's ledger record; recorded before AWSCURRENT moves, so a retried finish only moves
 * it later. Returns the version's retiring list as it now stands.
 */
async function startGrace(
  deps: StepContext['deps'],
  secretArn: string,
  pending: SecretDocument,
  record: VersionRecord | undefined,
): Promise<SecretDocument['retiring']> {
  const superseded = new Set(record?.retireOnPromotion ?? []);
  if (!record || superseded.size === 0) return pending.retiring;
  const from = new Date(deps.clock.now().getTime() + pending.graceSeconds * 1000).toISOString();
  const retiring = record.state.retiring.map((entry) =>
    superseded.has(entry.issuerCredentialId) && entry.retireAfter < from
      ? { ...entry, retireAfter: from }
      : entry,
  );
  await deps.bindings.recordVersion(secretArn, { ...record, state: { ...record.state, retiring } });
  return retiring;
}
