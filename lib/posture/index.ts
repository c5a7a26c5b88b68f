/** Gateway posture from the live configuration: one module for the report and doctor. */
export { assessGateway, assessTokenVault, POSTURE_CHECKS, TOKEN_VAULT_CHECK } from './checks.js';
export { publicStatements } from './resourcePolicy.js';
export { urlConcern } from './urls.js';
export type * from './types.js';
