import { GatewardenError } from '../shared/errors.js';

/** Base error of the reports module; `context` carries identifiers only. */
export class ReportError extends GatewardenError {}

/** Input that cannot be turned into a report (bad IAM export, unreadable log file, …). */
export class ReportInputError extends ReportError {}
