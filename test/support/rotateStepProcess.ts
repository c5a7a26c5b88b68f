/**
 * One invocation of the rotate function's handler in its own process, on the local stack, for
 * tests that kill it the way a Lambda timeout or crash does (SIGKILL: no handler, no finally).
 * Usage: node --import tsx test/support/rotateStepProcess.ts SECRET STEP TOKEN WORKLOAD MS
 * where MS is the invocation's remaining time (as `context.getRemainingTimeInMillis()` says).
 */
import type { Context } from 'aws-lambda';
import { makeHandler } from '../../functions/rotate.js';
import { SecretsManagerStore } from '../../lib/aws/secretsStore.js';
import { localDeps, localStateTable, sm } from '../integration/rotation/support.js';

const [secretId, step, token, workloadName, remaining] = process.argv.slice(2);
if (!secretId || !step || !token || !workloadName || !remaining) {
  process.stderr.write('usage: rotateStepProcess SECRET STEP TOKEN WORKLOAD MS\n');
  process.exit(2);
}
await localStateTable();
const deadline = Date.now() + Number(remaining);
const handler = makeHandler({
  ...localDeps(workloadName),
  alerts: [],
  recorder: new SecretsManagerStore(sm()),
});
const context = { getRemainingTimeInMillis: () => deadline - Date.now() } as unknown as Context;
await handler({ Step: step, SecretId: secretId, ClientRequestToken: token } as never, context);
process.stdout.write(`${step} done\n`);
