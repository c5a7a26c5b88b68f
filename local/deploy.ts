/**
 * Deploys the `local` stage to the local stack the way it reaches AWS: `serverless deploy
 * --stage local` (the framework honours AWS_ENDPOINT_URL) sends the packaged CloudFormation
 * template to moto's CloudFormation, so roles, policies, keys, table, topic, bus, queue, rules
 * and functions come from `resources/*.yml`. Then the moto gaps are worked around here, never
 * in the template (each listed in local/README.md):
 * - rules cannot invoke a function on moto (PutEvents would fail): the detect rules deliver to
 *   a queue instead, the rest of the stage is untouched.
 * TEST/DEMO COMPONENT — local stack only.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { packageStage } from './packageStage.js';
import { PROJECT_ROOT as ROOT } from './paths.js';

export interface LocalDeployOptions {
  /** The local stack's environment (AWS_ENDPOINT_URL and admin credentials). */
  env: NodeJS.ProcessEnv;
  log?: (line: string) => void;
}

/** `serverless deploy --stage local` against the local stack; throws with the output's tail. */
export async function deployLocalStage(options: LocalDeployOptions): Promise<void> {
  const env = options.env;
  if (!env.AWS_ENDPOINT_URL) {
    throw new Error('AWS_ENDPOINT_URL is not set: the local deploy only targets the local stack');
  }
  const log = options.log ?? (() => undefined);
  log('deploying the local stage (serverless deploy --stage local) …');
  const started = Date.now();
  // The same package `serverless deploy` would make, in a folder of its own (cached per inputs).
  const { dir } = await packageStage('local', { ...env });
  await run(
    resolve(ROOT, 'node_modules', '.bin', 'serverless'),
    ['deploy', '--stage', 'local', '--package', dir],
    { ...env, SLS_TELEMETRY_DISABLED: '1' },
  );
  log(`local stage deployed in ${Math.round((Date.now() - started) / 1000)} s`);
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolvePromise(output);
      else
        reject(
          new Error(
            `serverless ${args.join(' ')} failed (exit ${code}):\n${output.split('\n').slice(-15).join('\n')}`,
          ),
        );
    });
  });
}
