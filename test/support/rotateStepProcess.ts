/**
 * One invocation of the rotate function's handler in its own process, on the local stack, for
 * tests that kill it the way a Lambda timeout or crash does (SIGKILL: no handler, no finally).
 * It runs as deployed: the function's own wiring and environment, as its role (no alert sinks:
 * the tests that kill it read the secret's tags).
 * Usage: node --import tsx test/support/rotateStepProcess.ts SECRET STEP TOKEN WORKLOAD MS
 * where MS is the invocation's remaining time (as `context.getRemainingTimeInMillis()` says).
 */
import type { Context } from 'aws-lambda';
import { rotateHandler } from '../integration/rotation/asRole.js';
import { deployedFunctionDeps, localStateTable } from '../integration/rotation/support.js';

const [secretId, step, token, workloadName, remaining] = process.argv.slice(2);
if (!secretId || !step || !token || !workloadName || !remaining) {
  process.stderr.write('usage: rotateStepProcess SECRET STEP TOKEN WORKLOAD MS\n');
  process.exit(2);
}
await localStateTable();
const deadline = Date.now() + Number(remaining);
const handler = rotateHandler({ ...(await deployedFunctionDeps('rotate')), alerts: [] });
const context = { getRemainingTimeInMillis: () => deadline - Date.now() } as unknown as Context;
await handler({ Step: step, SecretId: secretId, ClientRequestToken: token } as never, context);
process.stdout.write(`${step} done\n`);
