import { GatewardenError } from '../lib/shared/errors.js';

/**
 * Packaging or deploying the local stage failed. Its message (the framework's own output, no
 * secret in it) is shown as is: a foreign error would be reduced to its class name.
 */
export class LocalDeployError extends GatewardenError {}
