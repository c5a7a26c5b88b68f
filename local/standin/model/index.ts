/**
 * Stand-in requests checked against the official service models (botocore's, from moto's venv):
 * the route wrapper, the validator and the pattern compiler.
 */
export {
  botocoreDataDir,
  readServiceModel,
  serviceModel,
  ServiceModelError,
  type OperationModel,
  type ServiceModel,
  type Shape,
  type ShapeRef,
} from './botocore.js';
export {
  CHECK_OUTPUT_ENV,
  missingResponseMembers,
  modelChecked,
  modelError,
  refuseInvalid,
} from './guard.js';
export { compilePattern, skippedPatterns, translateJavaPattern } from './patterns.js';
export { bindInput, resolveOperation, type BoundInput, type ResolvedOperation } from './request.js';
export {
  describeViolation,
  missingRequiredMembers,
  renderValue,
  validateShape,
  validationMessage,
  type Violation,
} from './validate.js';
