/**
 * `tsx scripts/serverlessLocked.ts COMMAND [ARG…]`: runs COMMAND (a `serverless` run, or what
 * starts one) holding the tree's serverless lock (local/serverlessLock.ts), so a package made by
 * hand or by CI never takes the files of a deploy a test is running in this tree. Exits with
 * the command's status.
 */
import { spawn } from 'node:child_process';
import { withServerlessLock } from '../local/serverlessLock.js';

const [command, ...args] = process.argv.slice(2);
if (!command) {
  console.error('usage: tsx scripts/serverlessLocked.ts COMMAND [ARG…]');
  process.exit(2);
}
const code = await withServerlessLock(
  () =>
    new Promise<number>((resolve, reject) => {
      const child = spawn(command, args, { stdio: 'inherit' });
      child.on('error', reject);
      child.on('exit', (status, signal) => resolve(status ?? (signal ? 1 : 0)));
    }),
  (line) => console.error(`serverlessLocked: ${line}`),
);
process.exit(code);
