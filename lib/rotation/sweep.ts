import { publishAll, type AlertSink } from '../alerts/alert.js';
import { TAGS } from '../shared/env.js';
import { logger, safe } from '../shared/logger.js';
import { safeReason } from '../shared/redact.js';
import { AbandonError, abandonRotation, pendingAgeSeconds } from './abandon.js';
import { rotationFailedAlert } from './alerts.js';
import { errorClass, RotationError } from './errors.js';
import { parseDocument } from './document.js';
import { versionWithStage } from './engine.js';
import { STAGE, type RotationDeps, type SecretMeta } from './ports.js';
import { inUse, partitionDue, revokeIds } from './retire.js';
import { readTrusted } from './trusted.js';
import type { SecretDocument } from './secretDocument.js';

export interface SweepResult {
  secretArn: string;
  revoked: string[];
  stillInGrace: number;
  /** A rotation left pending for longer than any rotation window, undone (its version id). */
  abandoned?: string;
}

/**
 * The sweep met a rotation it could not take back with the provider verified on AWSCURRENT
 * (the restore was refused or the provider, read back, serves something else): it revoked
 * nothing for that secret, and alerted.
 */
export class SweepRefusedError extends RotationError {}

/**
 * Secrets Manager retries a failed step only within the rotation window (at most a day): an
 * AWSPENDING older than this is a rotation nobody will finish — a function killed at every
 * attempt may have left a MANAGED provider on its untested credential.
 */
export const ABANDON_PENDING_AFTER_SECONDS = 25 * 3600;

/**
 * Revokes the retiring credentials of one secret whose grace period passed, after undoing a
 * rotation left AWSPENDING past every rotation window (provider back on AWSCURRENT, pending
 * credential revoked, AWSPENDING cleared). Meant for a
 * scheduled call; createSecret does the same at the start of the next rotation. Credentials
 * the current or a pending version still use are never revoked, and only credentials the
 * issuer still lists are, so repeating a sweep is cheap and harmless. The current document is
 * checked against the binding and the ledger first: a rewritten `retiring` list revokes nothing.
 * A MANAGED provider that could not be put back on AWSCURRENT for certain stops the sweep of
 * that secret before any revocation ({@link SweepRefusedError}, alerted to `options.alerts`).
 * A pending document only ever protects more, so it is read as it is.
 */
export async function sweepSecret(
  deps: RotationDeps,
  secretId: string,
  options: { abandonPendingAfterSeconds?: number; alerts?: readonly AlertSink[] } = {},
): Promise<SweepResult> {
  const described = await deps.store.describe(secretId);
  const { abandoned, unrestored } = await abandonStalePending(
    deps,
    secretId,
    described,
    options.abandonPendingAfterSeconds ?? ABANDON_PENDING_AFTER_SECONDS,
  );
  if (unrestored) {
    // The provider may still serve the pending credential or anything else: nothing is revoked
    // until a later sweep (or the next rotation) has put it back on AWSCURRENT for certain.
    await alertUnrestored(deps, options.alerts ?? [], described, unrestored);
    throw new SweepRefusedError(
      `sweep revoked nothing: the provider was not restored to AWSCURRENT for certain (${safeReason(unrestored.error)})`,
      {
        cause: unrestored.error,
        context: { secretArn: described.arn, versionId: unrestored.versionId },
      },
    );
  }
  // Abandoning moved AWSPENDING: read the stages again only then.
  const meta = abandoned ? await deps.store.describe(secretId) : described;
  const where = { secretArn: meta.arn };
  const currentVersionId = versionWithStage(meta, STAGE.current) ?? '';
  const current = await readTrusted(deps, meta, {
    versionId: currentVersionId,
    stage: STAGE.current,
  });
  const { due, kept } = partitionDue(current.retiring, deps.clock.now());
  const undone = abandoned ? { abandoned } : {};
  if (due.length === 0)
    return { secretArn: meta.arn, revoked: [], stillInGrace: kept.length, ...undone };

  let pending: SecretDocument | undefined;
  const pendingVersion = versionWithStage(meta, STAGE.pending);
  if (pendingVersion) {
    const value = await deps.store.getValue(secretId, {
      versionId: pendingVersion,
      stage: STAGE.pending,
    });
    pending =
      value === undefined ? undefined : parseDocument(value, { ...where, stage: STAGE.pending });
  }
  const issuer = deps.issuers.get(current.issuer.type);
  const listed = await issuer.list(current.issuer, current);
  const revoked = await revokeIds(
    issuer,
    current,
    due.map((entry) => entry.issuerCredentialId),
    inUse(current, pending),
    listed,
  );
  logger.info(
    'sweep finished',
    safe({ ...where, revoked: revoked.length, stillInGrace: kept.length }),
  );
  return { secretArn: meta.arn, revoked, stillInGrace: kept.length, ...undone };
}

/** Undoes an AWSPENDING older than any rotation window (see {@link abandonRotation}). */
async function abandonStalePending(
  deps: RotationDeps,
  secretId: string,
  meta: SecretMeta,
  afterSeconds: number,
): Promise<{ abandoned?: string; unrestored?: { versionId: string; error: unknown } }> {
  const pending = versionWithStage(meta, STAGE.pending);
  if (!pending || pending === versionWithStage(meta, STAGE.current)) return {};
  if ((await pendingAgeSeconds(deps, secretId, meta.arn, pending)) < afterSeconds) return {};
  logger.warn(
    'abandoning a rotation left pending past every rotation window',
    safe({ secretArn: meta.arn, versionId: pending }),
  );
  try {
    await abandonRotation(deps, secretId, pending);
    return { abandoned: pending };
  } catch (error) {
    logger.error(
      'could not abandon the stale rotation',
      safe({ secretArn: meta.arn, versionId: pending, error: errorClass(error) }),
    );
    if (
      error instanceof AbandonError &&
      String(error.context.failed ?? '')
        .split(',')
        .includes('restore-provider')
    ) {
      return { unrestored: { versionId: pending, error } };
    }
    // Otherwise reported, and the sweep goes on: what abandoning could not read (a rewritten
    // or foreign version) it did not touch, and the sweep's own checks still apply.
    return {};
  }
}

/** `Rotation Failed` (step `sweep`) with the reason, best effort: the sweep's error says it too. */
async function alertUnrestored(
  deps: RotationDeps,
  alerts: readonly AlertSink[],
  meta: SecretMeta,
  unrestored: { versionId: string; error: unknown },
): Promise<void> {
  const gatewayId = meta.tags?.[TAGS.gateway];
  const kind = meta.tags?.[TAGS.kind];
  try {
    await publishAll(
      alerts,
      rotationFailedAlert({
        secretArn: meta.arn,
        ...(gatewayId ? { gatewayId } : {}),
        ...(kind ? { kind } : {}),
        step: 'sweep',
        errorClass: errorClass(unrestored.error),
        reason: `nothing revoked: ${safeReason(unrestored.error)}`,
        versionId: unrestored.versionId,
        at: deps.clock.now().toISOString(),
      }),
    );
  } catch (error) {
    logger.warn(
      'could not publish the sweep alert',
      safe({ secretArn: meta.arn, error: errorClass(error) }),
    );
  }
}
