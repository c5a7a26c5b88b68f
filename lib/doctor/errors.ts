import { GatewardenError } from '../shared/errors.js';
import { errorClassOf } from '../shared/redact.js';

/** Base of the doctor's errors. */
export class DoctorError extends GatewardenError {}

/**
 * The account would not answer a question (an operation refused or not served): the check
 * reports "could not verify" with this message instead of passing or failing it.
 */
export class UnverifiableError extends DoctorError {}

/** Why a read failed, for "could not verify": our own messages, else the error's class. */
export function unverifiedReason(error: unknown): string {
  if (error instanceof UnverifiableError) return error.message;
  return errorClassOf(error);
}
