import type { TestMark, VersionRecord } from './binding.js';
import { UntestedVersionError } from './errors.js';
import type { RotationDeps } from './ports.js';
import type { SecretDocument } from './secretDocument.js';

/**
 * The "tested" mark: testSecret records in the ledger that exactly this version of exactly this
 * secret passed its test (or ran for a `--no-test` registration), and finishSecret promotes
 * nothing without it. Secrets Manager runs the steps in order, but anyone allowed to invoke the
 * rotate function can send `finishSecret` for an AWSPENDING token on its own; the mark is what
 * makes the order a fact rather than a hope.
 */

/** Writes the mark into the version's ledger record (which createSecret wrote before). */
export async function markTested(
  deps: Pick<RotationDeps, 'bindings' | 'clock'>,
  where: { secretArn: string; versionId: string },
  result: TestMark['result'],
): Promise<void> {
  const record = await deps.bindings.versionRecord(where.secretArn, where.versionId);
  // No record: a version the rotator never wrote (RotateImmediately=false tests a copy of
  // AWSCURRENT, which is never promoted). Unmarked, finishSecret refuses it.
  if (!record) return;
  const tested: TestMark = { ...where, result, at: deps.clock.now().toISOString() };
  await deps.bindings.recordVersion(where.secretArn, { ...record, tested });
}

/**
 * Throws {@link UntestedVersionError} unless `record` carries a mark for this secret and
 * version whose result the registration allows: `passed` always, `untestedByDesign` only when
 * the pending document (already checked against the binding) was registered `--no-test`.
 */
export function requireTestMark(
  record: VersionRecord | undefined,
  where: { secretArn: string; versionId: string },
  pending: Pick<SecretDocument, 'test'>,
): TestMark {
  const mark = record?.tested;
  const context = { ...where, mark: mark?.result ?? 'none' };
  if (!record || !mark) {
    throw new UntestedVersionError(
      'finishSecret refused: the pending version has no test mark (testSecret never passed it)',
      { context },
    );
  }
  if (
    record.versionId !== where.versionId ||
    mark.versionId !== where.versionId ||
    mark.secretArn !== where.secretArn
  ) {
    throw new UntestedVersionError(
      'finishSecret refused: the test mark is for another secret or version',
      { context },
    );
  }
  if (mark.result === 'passed') return mark;
  if (mark.result === 'untestedByDesign' && pending.test.untested === true) return mark;
  throw new UntestedVersionError(
    'finishSecret refused: the version is marked untested but its registration requires a test',
    { context },
  );
}
