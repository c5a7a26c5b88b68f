/**
 * `npm run invoke:local -- -f FUNCTION -p events/FILE.json`: `serverless invoke local` on the
 * local stack, with everything it needs set up first —
 * 1. the local stack (reused when one runs; started otherwise, and stopped again afterwards);
 * 2. the local stage serverless.yml's `local` params point at (scripts/localStage.ts);
 * 3. what the sample events name, and for a rotate.<step> event its rotation staged
 *    (scripts/localSamples.ts);
 * 4. the function's role session (local/functionRole.ts): it runs as its deployed role.
 * Arguments go to `serverless invoke local` unchanged (`--stage local` added when absent); its
 * exit status is this script's. Start the stack yourself (`npx gatewarden local start`) to keep
 * its state between invocations.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startLocalStack, stopLocalStack } from '../local/stack.js';
import { exportsOf } from '../local/state.js';
import { functionRoleSession, localFunctionName, roleEnv } from '../local/functionRole.js';
import { createLocalStage } from './localStage.js';
import { createSampleResources } from './localSamples.js';

const ROOT = resolve(import.meta.dirname, '..');
const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

/** The event file a `serverless invoke local` command line names (`-p`/`--path`), if any. */
export function eventPathOf(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (arg === '-p' || arg === '--path') return args[i + 1];
    if (arg.startsWith('--path=')) return arg.slice('--path='.length);
  }
  return undefined;
}

/** The arguments for `serverless invoke local`: the caller's, on the `local` stage by default. */
export function serverlessArgs(args: readonly string[]): string[] {
  const staged = args.some((a) => a === '--stage' || a === '-s' || a.startsWith('--stage='));
  return ['invoke', 'local', ...(staged ? [] : ['--stage', 'local']), ...args];
}

/** The functions serverless.yml defines (a unit test keeps the list in step). */
export const FUNCTIONS = ['rotate', 'rotateNow', 'detect', 'report'] as const;

/** The function a command line names (`-f`/`--function`), if any. */
function functionOf(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (arg === '-f' || arg === '--function') return args[i + 1] ?? '';
    if (arg.startsWith('--function=')) return arg.slice('--function='.length);
  }
  return undefined;
}

/**
 * What is wrong with a command line, before anything is started or set up: an unknown or
 * missing function, an event file that is missing or not JSON. Undefined when it is fine.
 */
export function argumentProblem(args: readonly string[]): string | undefined {
  const name = functionOf(args);
  if (name === undefined) return `name the function: -f ${FUNCTIONS.join('|')}`;
  if (!(FUNCTIONS as readonly string[]).includes(name)) {
    return `no function "${name}": -f takes ${FUNCTIONS.join(', ')}`;
  }
  const path = eventPathOf(args);
  if (path === undefined) return undefined;
  let text: string;
  try {
    text = readFileSync(resolve(path), 'utf8');
  } catch {
    return `cannot read the event file ${path}`;
  }
  try {
    JSON.parse(text);
  } catch {
    return `the event file ${path} is not JSON`;
  }
  return undefined;
}

async function main(args: string[]): Promise<number> {
  const problem = argumentProblem(args);
  if (problem !== undefined) {
    log(`gatewarden: ${problem}`);
    log('usage: npm run invoke:local -- -f FUNCTION [-p events/FILE.json | -d JSON]');
    return 2;
  }
  const { state, reused } = await startLocalStack(log);
  Object.assign(process.env, exportsOf(state));
  try {
    const path = eventPathOf(args);
    const event: unknown = path ? JSON.parse(readFileSync(resolve(path), 'utf8')) : undefined;
    log('gatewarden: setting up the local stage and the resources the sample events name');
    await createLocalStage();
    await createSampleResources(event);
    // As in Lambda, the function runs as its own role (resources/role-<function>.yml).
    const name = localFunctionName(args);
    const endpoint = process.env.AWS_ENDPOINT_URL ?? '';
    const asRole = name ? roleEnv(await functionRoleSession(endpoint, name)) : {};
    if (name) log(`gatewarden: running ${name} as its deployed role`);
    return await new Promise<number>((resolvePromise, reject) => {
      const child = spawn(join(ROOT, 'node_modules', '.bin', 'serverless'), serverlessArgs(args), {
        cwd: ROOT,
        env: { ...process.env, ...asRole },
        stdio: 'inherit',
      });
      child.on('error', reject);
      child.on('exit', (code, signal) => resolvePromise(code ?? (signal ? 1 : 0)));
    });
  } finally {
    if (!reused) await stopLocalStack(log);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      log(
        `gatewarden: invoke local failed: ${error instanceof Error ? error.message : String(error)}`,
      );
      process.exitCode = 1;
    },
  );
}
