// Jest global teardown: stop the local stack if a test run started it and no other run still
// uses it (see stackLease.js); a stack started by hand is left running.
import { gatewarden, releaseLease } from './stackLease.js';

export default async function globalTeardown() {
  if (releaseLease()) gatewarden(['stop']);
}
