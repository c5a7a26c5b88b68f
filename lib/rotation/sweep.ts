import { logger, safe } from '../shared/logger.js';
import { parseDocument } from './document.js';
import { versionWithStage } from './engine.js';
import { STAGE, type RotationDeps } from './ports.js';
import { inUse, partitionDue, revokeIds } from './retire.js';
import { readTrusted } from './trusted.js';
import type { SecretDocument } from './secretDocument.js';

export interface SweepResult {
  secretArn: string;
  revoked: string[];
  stillInGrace: number;
}

/**
 * Revokes the retiring credentials of one secret whose grace period passed. Meant for a
 * scheduled call; createSecret does the same at the start of the next rotation. Credentials
 * the current or a pending version still use are never revoked, and only credentials the
 * issuer still lists are, so repeating a sweep is cheap and harmless. The current document is
 * checked against the binding and the ledger first: a rewritten `retiring` list revokes nothing.
 * A pending document only ever protects more, so it is read as it is.
 */
export async function sweepSecret(
  deps: Pick<RotationDeps, 'store' | 'issuers' | 'clock' | 'bindings'>,
  secretId: string,
): Promise<SweepResult> {
  const meta = await deps.store.describe(secretId);
  const where = { secretArn: meta.arn };
  const currentVersionId = versionWithStage(meta, STAGE.current) ?? '';
  const current = await readTrusted(deps, meta, {
    versionId: currentVersionId,
    stage: STAGE.current,
  });
  const { due, kept } = partitionDue(current.retiring, deps.clock.now());
  if (due.length === 0) return { secretArn: meta.arn, revoked: [], stillInGrace: kept.length };

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
  return { secretArn: meta.arn, revoked, stillInGrace: kept.length };
}
