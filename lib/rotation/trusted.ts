import { checkDocument } from './binding.js';
import { parseDocument } from './document.js';
import { STAGE, versionWithStage, type RotationDeps, type SecretMeta } from './ports.js';
import type { SecretDocument } from './secretDocument.js';

/**
 * Reads one version's document and checks it against the binding and the ledger before the
 * caller acts on it (see ./binding.ts). The one way rotation code reads a document it will act
 * on. A version that is a byte-identical copy of AWSCURRENT (Secrets Manager's test run of
 * `RotateImmediately: false` makes one) is checked as the current version: it says nothing new.
 */
export async function readTrusted(
  deps: Pick<RotationDeps, 'store' | 'bindings'>,
  meta: SecretMeta,
  select: { versionId: string; stage: string },
  currentVersionId?: string,
): Promise<SecretDocument> {
  const where = { secretArn: meta.arn, versionId: select.versionId, stage: select.stage };
  const value = await deps.store.getValue(meta.arn, select);
  const doc = parseDocument(value, where);
  let checkedAs = select.versionId;
  if (
    currentVersionId &&
    currentVersionId !== select.versionId &&
    !(await deps.bindings.versionRecord(meta.arn, select.versionId))
  ) {
    const current = await deps.store.getValue(meta.arn, {
      versionId: currentVersionId,
      stage: STAGE.current,
    });
    if (current !== undefined && current === value) checkedAs = currentVersionId;
  }
  // An unrecorded AWSCURRENT displaced the version now AWSPREVIOUS: name what it changed.
  const previous = versionWithStage(meta, STAGE.previous);
  return checkDocument(deps.bindings, { ...where, versionId: checkedAs }, doc, previous);
}
