// Jest global teardown: fail the run if the shared stack refused a call after the last test's
// check (an afterAll hook, a process a test left running), then stop the local stack if a test
// run started it and no other run still uses it (see stackLease.js); a stack started by hand
// is left running. Stops the spare stacks no file claimed, too.
import { closeSpares } from './spareStacks.js';
import { gatewarden, releaseLease } from './stackLease.js';

async function leftoverDenials() {
  const endpoint = process.env.GATEWARDEN_TEST_IAM_ENDPOINT;
  if (!endpoint) return [];
  try {
    const answer = await fetch(`${endpoint}/_gatewarden/iam/denials`);
    return (await answer.json()).denials ?? [];
  } catch {
    return []; // the stack is gone: nothing it could still refuse
  }
}

export default async function globalTeardown() {
  const denials = await leftoverDenials();
  // A spare stack no file claimed (spareStacks.js).
  await closeSpares();
  if (releaseLease()) gatewarden(['stop']);
  if (denials.length > 0) {
    const lines = denials.map(
      (d) =>
        `${d.principal} ${d.action ?? '?'}${d.resource ? ` on ${d.resource}` : ''}: ${d.reason}`,
    );
    throw new Error(
      `the local stack's IAM refused ${denials.length} call(s) after the last test's check:\n${lines.join('\n')}`,
    );
  }
}
