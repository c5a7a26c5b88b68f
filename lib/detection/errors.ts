import { GatewardenError } from '../shared/errors.js';

/** Base of every detection error; `context` carries identifiers only. */
export class DetectionError extends GatewardenError {}

/** Configuration that does not validate; the message lists every problem. */
export class DetectionConfigError extends DetectionError {}

/** A record that is not a usable CloudTrail record; `reason` names the path and the problem. */
export class RecordValidationError extends DetectionError {}

/** An input file or directory that cannot be read at all (as opposed to a bad record in it). */
export class InputReadError extends DetectionError {}
