/** `gatewarden doctor`: read-only checks of a deployment before and after its first use. */
export { runDoctor, type DoctorOptions } from './checks.js';
export { DoctorError, UnverifiableError } from './errors.js';
export type * from './ports.js';
export {
  COMMAND_RIGHTS,
  commandRights,
  resourceFor,
  simulationPrincipal,
  type RightsContext,
  type RightToCheck,
} from './rights.js';
export { ALL_MANAGEMENT_EVENTS, deliveryProblems, neededEvents, patternMatches } from './rules.js';
export type * from './types.js';
