/**
 * `npm run mutate:roles [-- --state-dir DIR] [--only ROLE:SID …]`: a grant is code (STYLE 15).
 * Every statement of the rotate and rotateNow roles must be needed by a test running as that
 * role: this takes each statement (by Sid) out of the role's inline policy as deployed on an
 * enforcing local stack, runs the role tests (test/integration/roles/rotationRoles.test.ts) on
 * that stack, and puts the policy back. A statement is `killed` when a test fails without it;
 * one that SURVIVED either lacks a test or is not needed.
 *
 * The policy is read and written with IAM GetRolePolicy/PutRolePolicy as the stack's admin:
 * moto's CloudFormation updates leave role policies alone, and a redeploy would take minutes.
 * Statements a template condition leaves out of the local deployment are listed as such.
 *
 * Exit 1 when a statement survived that ALLOWED_SURVIVORS does not name, when an allowed one
 * was killed (its entry is stale), or when the role tests fail with the policies untouched.
 * `--state-dir DIR` takes the enforcing stack running there; otherwise one is started in a
 * folder of its own and stopped at the end. `--only rotate:GenerateKeys` mutates only those.
 */
import { GetRolePolicyCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { exportsOf, readState } from '../local/state.js';

const ROOT = resolve(import.meta.dirname, '..');
const CLI = join(ROOT, 'bin', 'gatewarden.js');
const ROLE_TESTS = 'test/integration/roles/rotationRoles.test.ts';
/** Read by the role tests (test/integration/roles/support.ts): use this running stack. */
const ROLE_TESTS_STACK_ENV = 'GATEWARDEN_ROLE_TESTS_STATE_DIR';
const run = promisify(execFile);

const ROLES = {
  rotate: { role: 'gatewarden-local-us-east-1-rotate', file: 'resources/role-rotate.yml' },
  rotateNow: { role: 'gatewarden-local-us-east-1-rotateNow', file: 'resources/role-rotateNow.yml' },
} as const;
type RoleKey = keyof typeof ROLES;

/**
 * Statements only AWS-side behaviour needs, which the local stack cannot exercise: their
 * removal fails no test here. `ROLE:Sid` → why. Each one still runs; a killed entry is stale.
 */
const ALLOWED_SURVIVORS: Record<string, string> = {
  'rotate:WriteOwnLogs':
    'the Lambda runtime writes the function logs with the role; no product code calls CloudWatch Logs',
  'rotateNow:WriteOwnLogs':
    'the Lambda runtime writes the function logs with the role; no product code calls CloudWatch Logs',
  'rotateNow:FailedInvocationsToDlq':
    'Lambda’s onFailure destination sends to the queue with the role; no product code sends, and moto runs no async invocations',
};

interface Statement {
  Sid?: string;
  [element: string]: unknown;
}
interface PolicyDocument {
  Version?: string;
  Statement: Statement[];
}

type Outcome = 'killed' | 'SURVIVED' | 'survived (allowed)' | 'not deployed locally' | 'ERROR';
interface Row {
  role: RoleKey;
  sid: string;
  outcome: Outcome;
  detail: string;
  seconds?: number;
}

interface TestRun {
  passed: boolean;
  failed: string[];
  /** Every test failed with one message: the run broke before testing anything. */
  broken: boolean;
  seconds: number;
  log: string;
}

function argValues(name: string): string[] {
  const values: string[] = [];
  process.argv.forEach((arg, i) => {
    if (arg === name && process.argv[i + 1]) values.push(process.argv[i + 1] ?? '');
  });
  return values;
}

/** `gatewarden local …`; a failure's message carries the CLI's stderr. */
async function local(args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  try {
    await run(process.execPath, [CLI, 'local', ...args], { cwd: ROOT, env, maxBuffer: 1 << 24 });
  } catch (error) {
    const failure = error as { stderr?: string; message?: string };
    throw new Error(`gatewarden local ${args[0]} failed: ${failure.stderr || failure.message}`);
  }
}

/**
 * The enforcing stack with the local stage deployed: the one in `--state-dir`, or a new one
 * in a folder of its own (then `stop` stops it).
 */
async function openStack(): Promise<{
  dir: string;
  env: NodeJS.ProcessEnv;
  stop(): Promise<void>;
}> {
  const given = argValues('--state-dir')[0];
  const dir = given ? resolve(given) : mkdtempSync(join(tmpdir(), 'gw-mutate-roles-'));
  const base = { ...process.env, GATEWARDEN_LOCAL_STATE_DIR: dir, GATEWARDEN_LOCAL_IAM: 'enforce' };
  const stop = async (): Promise<void> => {
    if (!given) await local(['stop'], base);
  };
  try {
    log(given ? `using the stack in ${dir}` : `starting an enforcing local stack in ${dir}`);
    // `local start` deploys the local stage; `local deploy` does on a running stack if missing.
    await local(given ? ['deploy'] : ['start', '--json'], base);
    const state = readState(join(dir, 'local-stack.json'));
    if (!state) throw new Error(`no local stack runs in ${dir}`);
    const { mode } = (await (await fetch(`${state.endpoint}/_gatewarden/iam/denials`)).json()) as {
      mode?: string;
    };
    if (mode !== 'enforce') throw new Error(`the stack in ${dir} runs IAM in ${mode} mode`);
    return { dir, env: { ...base, ...exportsOf(state), GATEWARDEN_AWS_MAX_ATTEMPTS: '1' }, stop };
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}

/** The role tests on the stack, as jest runs them; which tests failed. */
function runRoleTests(env: NodeJS.ProcessEnv, dir: string, label: string): Promise<TestRun> {
  const started = Date.now();
  const report = join(dir, `mutate-${label}.json`);
  const args = [
    join(ROOT, 'node_modules', 'jest', 'bin', 'jest.js'),
    ...['--selectProjects', 'integration', '--runTestsByPath', ROLE_TESTS],
    ...['--json', `--outputFile=${report}`],
  ];
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      env: {
        ...env,
        [ROLE_TESTS_STACK_ENV]: dir,
        NODE_OPTIONS: '--experimental-vm-modules --disable-warning=ExperimentalWarning',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      const logFile = join(dir, `mutate-${label}.log`);
      writeFileSync(logFile, output);
      const seconds = (Date.now() - started) / 1000;
      let tests: Array<{ title: string; status: string; failureMessages: string[] }> = [];
      try {
        const parsed = JSON.parse(readFileSync(report, 'utf8')) as {
          testResults: Array<{ assertionResults: typeof tests }>;
        };
        tests = parsed.testResults.flatMap((file) => file.assertionResults);
      } catch {
        // No report: jest itself failed.
      }
      const failed = tests.filter((t) => t.status === 'failed');
      const messages = new Set(failed.map((t) => t.failureMessages.join('\n')));
      resolvePromise({
        passed: code === 0 && tests.length > 0,
        failed: failed.map((t) => t.title),
        broken: tests.length === 0 || (failed.length === tests.length && messages.size === 1),
        seconds,
        log: logFile,
      });
    });
  });
}

/** Sids the template gives the role, deployed or not (conditional ones included). */
function templateSids(file: string): string[] {
  return [...readFileSync(join(ROOT, file), 'utf8').matchAll(/\bSid: (\w+)/g)].map(
    (m) => m[1] ?? '',
  );
}

async function deployedPolicy(
  iam: IAMClient,
  role: string,
  policyName: string,
): Promise<{ text: string; doc: PolicyDocument }> {
  const got = await iam.send(new GetRolePolicyCommand({ RoleName: role, PolicyName: policyName }));
  const text = decodeURIComponent(got.PolicyDocument ?? '');
  return { text, doc: JSON.parse(text) as PolicyDocument };
}

function log(line: string): void {
  process.stderr.write(`mutate:roles: ${line}\n`);
}

async function main(): Promise<number> {
  const startedAt = Date.now();
  const only = new Set(argValues('--only'));
  const stack = await openStack();
  const iam = new IAMClient({
    region: stack.env.AWS_REGION ?? 'us-east-1',
    endpoint: stack.env.AWS_ENDPOINT_URL ?? '',
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    maxAttempts: 1,
  });
  const rows: Row[] = [];
  const restores: Array<() => Promise<unknown>> = [];
  const restoreAll = async () => {
    for (const restore of restores.splice(0)) await restore();
  };
  process.once('SIGINT', () => {
    void restoreAll().finally(() => process.exit(130));
  });
  try {
    const baseline = await runRoleTests(stack.env, stack.dir, 'baseline');
    if (!baseline.passed) {
      log(
        `the role tests fail with the policies as deployed (see ${baseline.log}): nothing to mutate`,
      );
      return 1;
    }
    log(`baseline: the role tests pass (${baseline.seconds.toFixed(1)} s)`);
    for (const [key, { role, file }] of Object.entries(ROLES) as [
      RoleKey,
      (typeof ROLES)[RoleKey],
    ][]) {
      const { text, doc } = await deployedPolicy(iam, role, key);
      const deployed = doc.Statement.map((s) => s.Sid ?? '');
      for (const sid of templateSids(file).filter((s) => !deployed.includes(s))) {
        rows.push({
          role: key,
          sid,
          outcome: 'not deployed locally',
          detail: 'its template condition is false here',
        });
      }
      for (const sid of deployed) {
        if (only.size > 0 && !only.has(`${key}:${sid}`)) continue;
        const mutated = { ...doc, Statement: doc.Statement.filter((s) => s.Sid !== sid) };
        const restore = () =>
          iam.send(
            new PutRolePolicyCommand({ RoleName: role, PolicyName: key, PolicyDocument: text }),
          );
        restores.push(restore);
        await iam.send(
          new PutRolePolicyCommand({
            RoleName: role,
            PolicyName: key,
            PolicyDocument: JSON.stringify(mutated),
          }),
        );
        let result: TestRun;
        try {
          result = await runRoleTests(stack.env, stack.dir, `${key}-${sid}`);
          if (result.broken && !result.passed) {
            // A shared machine under load can break a set-up step (a CLI run timing out): such a
            // run tested nothing, so it is run once more before it counts as an error.
            log(`${key}:${sid} broke before testing (${result.log}); running it once more`);
            result = await runRoleTests(stack.env, stack.dir, `${key}-${sid}-again`);
          }
        } finally {
          await restoreAll();
        }
        const allowed = ALLOWED_SURVIVORS[`${key}:${sid}`];
        const row: Row = { role: key, sid, seconds: result.seconds, outcome: 'killed', detail: '' };
        if (result.broken && !result.passed) {
          Object.assign(row, {
            outcome: 'ERROR',
            detail: `the run broke before testing (${result.log})`,
          });
        } else if (!result.passed) {
          const [first, ...rest] = result.failed;
          row.detail = `${first ?? 'jest failed'}${rest.length ? ` (+${rest.length})` : ''}`;
        } else {
          Object.assign(
            row,
            allowed
              ? { outcome: 'survived (allowed)', detail: allowed }
              : { outcome: 'SURVIVED', detail: `no test needs it (${result.log})` },
          );
        }
        rows.push(row);
        log(`${key}:${sid} ${row.outcome} (${result.seconds.toFixed(1)} s)`);
      }
    }
  } finally {
    await restoreAll();
    await stack.stop();
  }
  printTable(rows);
  const total = (Date.now() - startedAt) / 1000;
  const timed = rows.filter((r) => r.seconds !== undefined);
  const mean = timed.reduce((n, r) => n + (r.seconds ?? 0), 0) / Math.max(1, timed.length);
  console.log(
    `\n${timed.length} mutations, ${mean.toFixed(1)} s each on average, ${total.toFixed(0)} s in all`,
  );
  const problems = rows.flatMap((r) => {
    const name = `${r.role}:${r.sid}`;
    if (r.outcome === 'SURVIVED')
      return [`${name}: no test fails without it (a test is missing, or it is not needed)`];
    if (r.outcome === 'ERROR') return [`${name}: ${r.detail}`];
    if (r.outcome === 'killed' && ALLOWED_SURVIVORS[name])
      return [`${name}: a test needs it now; drop its ALLOWED_SURVIVORS entry`];
    return [];
  });
  if (only.size === 0) {
    const known = new Set(rows.map((r) => `${r.role}:${r.sid}`));
    for (const name of Object.keys(ALLOWED_SURVIVORS).filter((n) => !known.has(n)))
      problems.push(`${name}: ALLOWED_SURVIVORS names a statement the role does not have`);
  }
  if (problems.length > 0) {
    console.log(`\n${problems.length} problem(s):`);
    for (const problem of problems) console.log(`  ${problem}`);
    return 1;
  }
  return 0;
}

function printTable(rows: Row[]): void {
  const width = Math.max(...rows.map((r) => `${r.role}:${r.sid}`.length), 10);
  console.log(`\n${'statement'.padEnd(width)}  ${'result'.padEnd(20)}  ${'s'.padStart(5)}  why`);
  for (const r of rows) {
    const seconds = r.seconds === undefined ? '' : r.seconds.toFixed(1);
    console.log(
      `${`${r.role}:${r.sid}`.padEnd(width)}  ${r.outcome.padEnd(20)}  ${seconds.padStart(5)}  ${r.detail}`,
    );
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`mutate:roles failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
