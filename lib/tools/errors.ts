import { GatewardenError } from '../shared/errors.js';

/** Base error of the tools module; `context` carries identifiers only. */
export class ToolsError extends GatewardenError {}

/** Input that cannot be turned into a tool report (no data events, a bad targets file, …). */
export class ToolsInputError extends ToolsError {}
