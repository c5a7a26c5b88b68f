import { logger, safe } from '../shared/logger.js';
import { abandonRotation, pendingAgeSeconds } from './abandon.js';
import { errorClass } from './errors.js';
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
 * A pending document only ever protects more, so it is read as it is.
 */
export async function sweepSecret(
  deps: RotationDeps,
  secretId: string,
  options: { abandonPendingAfterSeconds?: number } = {},
): Promise<SweepResult> {
  const described = await deps.store.describe(secretId);
  const abandoned = await abandonStalePending(
    deps,
    secretId,
    described,
    options.abandonPendingAfterSeconds ?? ABANDON_PENDING_AFTER_SECONDS,
  );
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
): Promise<string | undefined> {
  const pending = versionWithStage(meta, STAGE.pending);
  if (!pending || pending === versionWithStage(meta, STAGE.current)) return undefined;
  if ((await pendingAgeSeconds(deps, secretId, meta.arn, pending)) < afterSeconds) return undefined;
  logger.warn(
    'abandoning a rotation left pending past every rotation window',
    safe({ secretArn: meta.arn, versionId: pending }),
  );
  try {
    await abandonRotation(deps, secretId, pending);
    return pending;
  } catch (error) {
    // Reported, and the sweep goes on: what abandoning could not read (a rewritten or foreign
    // version) it did not touch, and the sweep's own checks still apply.
    logger.error(
      'could not abandon the stale rotation',
      safe({ secretArn: meta.arn, versionId: pending, error: errorClass(error) }),
    );
    return undefined;
  }
}
