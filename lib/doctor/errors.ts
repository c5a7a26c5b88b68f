import { GatewardenError } from '../shared/errors.js';

/** Base of the doctor's errors. */
export class DoctorError extends GatewardenError {}

/**
 * The account would not answer a question (an operation refused or not served): the check
 * reports "could not verify" with this message instead of passing or failing it.
 */
export class UnverifiableError extends DoctorError {}
