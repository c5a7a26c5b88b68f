import { logger, safe } from '../shared/logger.js';
import { safeReason } from '../shared/redact.js';
import { parseDocument } from './document.js';
import { errorClass, RotationError } from './errors.js';
import { STAGE, versionWithStage, type RotationDeps } from './ports.js';
import { keepsOwnCopy } from './providerCopy.js';
import { restoreProvider, type RestoreOutcome } from './restore.js';
import type { SecretDocument } from './secretDocument.js';
import { readTrusted } from './trusted.js';

/** What abandoning a rotation undid. */
export interface AbandonResult {
  /** The MANAGED provider was given AWSCURRENT's credential back. */
  restored: boolean;
  /** ...and, read back, serves it: only then is the pending credential revoked. */
  restoreVerified?: boolean;
  /** Issuer id of the pending credential revoked at its issuer, if any. */
  revoked?: string;
  /** AWSPENDING was removed from the abandoned version. */
  cleared: boolean;
}

/** Abandoning left something behind; `context` says what (never a value). */
export class AbandonError extends RotationError {}

/**
 * Abandons a rotation whose new credential must not stay: after a failed test, a failed or
 * interrupted step, or a crash. Leaves the secret as if the rotation never started:
 * 1. a MANAGED provider gets AWSCURRENT's credential back (setSecret may have pushed the
 *    untested one; the update is the adapter's full-replace read-modify-write), and is read
 *    back where a reader is wired (./restore.ts);
 * 2. the pending credential is revoked at its issuer — only after a verified restore (never
 *    what the provider may still serve), only one the rotator recorded minting for this
 *    version, never the current one, and only where old and new overlap (an issuer without
 *    overlap already invalidated the old credential: rolling back cannot help there);
 * 3. AWSPENDING is removed, so the next rotation starts clean — unless the restore failed:
 *    then it stays, for the next sweep to retry and the next rotation to retire safely.
 * Every part is attempted; a failure of any is reported as one {@link AbandonError}.
 * Idempotent: a version that is already current, or no longer pending, is left alone.
 */
export async function abandonRotation(
  deps: RotationDeps,
  secretId: string,
  token: string,
): Promise<AbandonResult> {
  const meta = await deps.store.describe(secretId);
  const stages = meta.versionStages[token] ?? [];
  const currentVersionId = versionWithStage(meta, STAGE.current);
  const result: AbandonResult = { restored: false, cleared: false };
  if (!currentVersionId || !stages.includes(STAGE.pending) || stages.includes(STAGE.current)) {
    return result;
  }
  const where = { secretArn: meta.arn, versionId: token };
  const failed: string[] = [];
  const reasons: string[] = [];
  const attempt = async (part: string, run: () => Promise<void>): Promise<void> => {
    try {
      await run();
    } catch (error) {
      failed.push(part);
      reasons.push(safeReason(error));
      logger.error('could not undo part of an abandoned rotation', {
        ...safe(where),
        part,
        error: errorClass(error),
      });
    }
  };

  let current: SecretDocument | undefined;
  await attempt('read-current', async () => {
    current = await readTrusted(deps, meta, {
      versionId: currentVersionId,
      stage: STAGE.current,
    });
  });
  let pending: SecretDocument | undefined;
  await attempt('read-pending', async () => {
    pending = await readTrusted(deps, meta, { versionId: token, stage: STAGE.pending });
  });

  let restore: RestoreOutcome | undefined;
  if (current && keepsOwnCopy(current)) {
    restore = await restoreProvider(deps, current, where);
    result.restored = restore.status !== 'failed';
    result.restoreVerified = restore.status === 'verified';
    if (restore.status === 'failed') {
      failed.push('restore-provider');
      reasons.push(restore.reason);
      logger.error('could not restore the provider to AWSCURRENT', {
        ...safe(where),
        reason: restore.reason,
      });
    } else if (restore.status === 'unread') {
      logger.warn(
        'provider restored but not read back: the pending credential is left for the next rotation to retire',
        { ...safe(where), reason: restore.reason },
      );
    }
  }
  // Never revoke what the provider may still serve: only after a verified restore, or when the
  // provider keeps no copy (EXTERNAL reads AWSCURRENT, which never left the current version).
  const mayRevoke = restore === undefined || restore.status === 'verified';
  const pendingId = pending?.issuerCredentialId;
  if (mayRevoke && current && pending && pendingId && pendingId !== current.issuerCredentialId) {
    const issuer = deps.issuers.get(pending.issuer.type);
    const record = await deps.bindings.versionRecord(meta.arn, token).catch(() => undefined);
    if (issuer.supportsOverlap && record?.writtenBy === 'rotator') {
      const doc = pending;
      await attempt('revoke-pending', async () => {
        await issuer.revoke(doc.issuer, doc, pendingId);
        result.revoked = pendingId;
      });
    }
  }
  // A failed restore keeps AWSPENDING: the next sweep tries again, and the next rotation's
  // createSecret restores the provider before it retires the pending credential. Cleared, the
  // credential would be an orphan the provider may still serve.
  if (restore?.status !== 'failed') {
    await attempt('clear-pending', async () => {
      await deps.store.updateStage(secretId, { stage: STAGE.pending, removeFromVersionId: token });
      result.cleared = true;
    });
  }

  logger.warn('rotation abandoned', safe({ ...where, ...result, failed: failed.join(',') }));
  if (failed.length > 0) {
    const why = reasons.length > 0 ? ` (${reasons.join('; ')})` : '';
    throw new AbandonError(`abandoning the rotation left work undone: ${failed.join(', ')}${why}`, {
      context: { ...where, failed: failed.join(',') },
    });
  }
  return result;
}

/**
 * How long ago the rotation that wrote a pending version started (its document's `rotatedAt`),
 * in seconds; Infinity when the version is gone, unreadable or undated (stale by definition).
 */
export async function pendingAgeSeconds(
  deps: Pick<RotationDeps, 'store' | 'clock'>,
  secretId: string,
  secretArn: string,
  versionId: string,
): Promise<number> {
  const value = await deps.store.getValue(secretId, { versionId, stage: STAGE.pending });
  if (value === undefined) return Infinity;
  let startedAt: number;
  try {
    startedAt = Date.parse(parseDocument(value, { secretArn }).rotatedAt ?? '');
  } catch {
    return Infinity;
  }
  if (Number.isNaN(startedAt)) return Infinity;
  return (deps.clock.now().getTime() - startedAt) / 1000;
}
