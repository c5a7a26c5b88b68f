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
 *
 * Time: a run of the role tests stops as soon as one test failed and another passed (the
 * statement is killed; the pass shows the run did not break in its set-up), which saves about a
 * third of the check. Each run is started ahead, while the previous statement is tested: jest
 * starts, runs its global set-up and loads the test file, then waits at a gate before the file's
 * first hook (test/support/mutateGate.ts), so before it touches the stack; it is let through
 * once the next statement is out. The run's set-up and tests are as before, on a policy already
 * mutated. After each run the secrets it left are deleted (a run stopped early never reaches its
 * clean-up, and each later run's whole-account sweep would read them all again). `--jobs N`
 * mutates on N stacks at once (default: 2 on a machine with 4 cores or more, else 1), each
 * statement on one of them.
 */
import { GetRolePolicyCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import {
  DeleteSecretCommand,
  ListSecretsCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { exportsOf, readState } from '../local/state.js';
import { OutcomeWatch } from './mutateRolesReporter.js';

const ROOT = resolve(import.meta.dirname, '..');
const CLI = join(ROOT, 'bin', 'gatewarden.js');
const ROLE_TESTS = 'test/integration/roles/rotationRoles.test.ts';
/** Tells the runner each test's outcome as it happens (so a run can stop early). */
const REPORTER = join(ROOT, 'scripts', 'mutateRolesReporter.js');
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

interface Stack {
  dir: string;
  env: NodeJS.ProcessEnv;
  iam: IAMClient;
  sm: SecretsManagerClient;
  /** The secrets the stack had when the check began (see {@link pruneSecrets}). */
  secretsAtStart: Set<string>;
  /** The next run of the role tests, started ahead and waiting at the gate. */
  spare?: WarmRun;
  /** Puts back every policy this stack has mutated. */
  restores: Array<() => Promise<unknown>>;
  stop(): Promise<void>;
}

/**
 * The enforcing stack with the local stage deployed: the one in `given`, or a new one in a
 * folder of its own (then `stop` stops it).
 */
async function openStack(given: string | undefined): Promise<Stack> {
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
    const env: NodeJS.ProcessEnv = {
      ...base,
      ...exportsOf(state),
      GATEWARDEN_AWS_MAX_ATTEMPTS: '1',
    };
    const admin = {
      region: env.AWS_REGION ?? 'us-east-1',
      endpoint: env.AWS_ENDPOINT_URL ?? '',
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
      maxAttempts: 1,
    };
    const iam = new IAMClient(admin);
    const sm = new SecretsManagerClient(admin);
    const secretsAtStart = new Set(await secretArns(sm));
    const stopAll = async (): Promise<void> => {
      await stack.spare?.discard();
      await stop();
    };
    const stack: Stack = { dir, env, iam, sm, secretsAtStart, restores: [], stop: stopAll };
    return stack;
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}

async function restoreAll(stack: Stack): Promise<void> {
  for (const restore of stack.restores.splice(0)) await restore();
}

/**
 * How many stacks mutate at once: `--jobs N`, else two where the machine has four cores or
 * more (each stack's tests keep about one core busy between jest, the front and moto), else one.
 * A stack given with `--state-dir` is the only one.
 */
function jobCount(given: string | undefined): number {
  if (given) return 1;
  const asked = Number(argValues('--jobs')[0] ?? NaN);
  if (Number.isInteger(asked) && asked > 0) return asked;
  return availableParallelism() >= 4 ? 2 : 1;
}

/** The children running role tests now: an interrupted run stops them (each leads its group). */
const running = new Set<ChildProcess>();

function stopGroup(child: ChildProcess): void {
  try {
    if (child.pid) process.kill(-child.pid, 'SIGTERM');
  } catch {
    // Already gone.
  }
}

/** Set for a run of the role tests: it waits at test/support/mutateGate.ts for this file. */
const GO_FILE_ENV = 'GATEWARDEN_MUTATE_GO_FILE';
/** What the gate writes on stderr when a run reaches it (test/support/mutateGate.ts). */
const GATE_MARK = '@@mutate-roles-gate';

/**
 * A run of the role tests, started ahead: jest starts, runs its global set-up and loads the test
 * file, then waits at the gate (test/support/mutateGate.ts) before the file's first hook, so
 * before it touches the stack. `go` lets it through and gives its result; `discard` stops one
 * never let through.
 */
interface WarmRun {
  go(label: string): Promise<TestRun>;
  discard(): Promise<void>;
}

let runsStarted = 0;

/**
 * Starts the role tests on the stack, as jest runs them, held at the gate. Once let through,
 * the run stops as soon as one test failed and another passed: the statement is killed, and the
 * pass shows the run did not break before testing. A run whose tests all pass, or all fail, runs
 * to the end.
 */
function startRoleTests(env: NodeJS.ProcessEnv, dir: string): WarmRun {
  const run = ++runsStarted;
  const report = join(dir, `mutate-run-${run}.json`);
  const goFile = join(dir, `mutate-run-${run}.go`);
  const args = [
    join(ROOT, 'node_modules', 'jest', 'bin', 'jest.js'),
    ...['--selectProjects', 'integration', '--runTestsByPath', ROLE_TESTS],
    ...['--reporters', 'default', '--reporters', REPORTER],
    ...['--json', `--outputFile=${report}`],
  ];
  rmSync(report, { force: true });
  rmSync(goFile, { force: true });
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: {
      ...env,
      [ROLE_TESTS_STACK_ENV]: dir,
      [GO_FILE_ENV]: goFile,
      NODE_OPTIONS: '--experimental-vm-modules --disable-warning=ExperimentalWarning',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group: stopping early stops the CLI runs its tests started, too.
    detached: true,
  });
  running.add(child);
  let output = '';
  const seen = new OutcomeWatch();
  let stoppedEarly = false;
  let letThrough = false;
  // Decoded as a stream: a character split between two chunks stays whole.
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (text: string) => (output += text));
  const spawnedAt = Date.now();
  let readyAt: number | undefined;
  child.stderr.on('data', (text: string) => {
    output += text;
    if (readyAt === undefined && output.includes(GATE_MARK)) readyAt = Date.now();
    seen.feed(text);
    if (letThrough && !stoppedEarly && seen.mayStop) {
      stoppedEarly = true;
      output += `\nmutate:roles: stopped here: a test failed and another passed\n`;
      stopGroup(child);
    }
  });
  const closed = new Promise<number | null>((resolveClosed, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      running.delete(child);
      resolveClosed(code);
    });
  });
  // Handled here too: a spare that fails to start is only looked at when let through.
  closed.catch(() => undefined);

  return {
    async discard() {
      if (child.exitCode === null && child.signalCode === null) stopGroup(child);
      await closed.catch(() => undefined);
      rmSync(report, { force: true });
    },
    async go(label) {
      const started = Date.now();
      letThrough = true;
      writeFileSync(goFile, '');
      const code = await closed;
      rmSync(goFile, { force: true });
      // Start-up done before it was let through: off the check's critical path.
      const ahead = ((Math.min(readyAt ?? started, started) - spawnedAt) / 1000).toFixed(1);
      output += `\nmutate:roles: started ${((started - spawnedAt) / 1000).toFixed(1)} s ahead; ${readyAt !== undefined && readyAt <= started ? `ready at the gate after ${ahead} s` : `not yet at the gate (${ahead} s of start-up done ahead)`}\n`;
      const logFile = join(dir, `mutate-${label}.log`);
      writeFileSync(logFile, output);
      const seconds = (Date.now() - started) / 1000;
      if (stoppedEarly) {
        return { passed: false, failed: seen.failed, broken: false, seconds, log: logFile };
      }
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
      return {
        passed: code === 0 && tests.length > 0,
        failed: failed.map((t) => t.title),
        broken: tests.length === 0 || (failed.length === tests.length && messages.size === 1),
        seconds,
        log: logFile,
      };
    },
  };
}

/**
 * The role tests on the stack: the run started ahead for it, and the next one started while
 * this one tests (jest's start and the file's imports off the critical path). Afterwards, the
 * secrets the run left are deleted (see {@link pruneSecrets}).
 */
async function runRoleTests(stack: Stack, label: string): Promise<TestRun> {
  const current = stack.spare ?? startRoleTests(stack.env, stack.dir);
  stack.spare = startRoleTests(stack.env, stack.dir);
  const result = await current.go(label);
  await pruneSecrets(stack);
  return result;
}

/** Every secret on the stack, by ARN. */
async function secretArns(sm: SecretsManagerClient): Promise<string[]> {
  const arns: string[] = [];
  let NextToken: string | undefined;
  do {
    const page = await sm.send(new ListSecretsCommand({ NextToken, MaxResults: 100 }));
    arns.push(...(page.SecretList ?? []).flatMap((secret) => secret.ARN ?? []));
    NextToken = page.NextToken;
  } while (NextToken);
  return arns;
}

/**
 * Deletes the secrets a run made that are still there: a run stopped early never reaches its
 * clean-up (test/integration/roles/fixtures.ts `close()`), and what it left would be swept by
 * every later run's whole-account sweep, each one slower than the last. The secrets the stack
 * had when the check began stay.
 */
async function pruneSecrets(stack: Stack): Promise<void> {
  const left = (await secretArns(stack.sm)).filter((arn) => !stack.secretsAtStart.has(arn));
  await Promise.all(
    left.map((SecretId) =>
      stack.sm.send(new DeleteSecretCommand({ SecretId, ForceDeleteWithoutRecovery: true })),
    ),
  );
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

/** One statement taken out of one role's policy. */
interface Mutation {
  key: RoleKey;
  role: string;
  sid: string;
}

/** Takes `m.sid` out on the stack, runs the role tests, puts the policy back: its row. */
async function mutate(stack: Stack, m: Mutation): Promise<Row> {
  const { text, doc } = await deployedPolicy(stack.iam, m.role, m.key);
  const mutated = { ...doc, Statement: doc.Statement.filter((s) => s.Sid !== m.sid) };
  const put = (document: string) =>
    stack.iam.send(
      new PutRolePolicyCommand({ RoleName: m.role, PolicyName: m.key, PolicyDocument: document }),
    );
  stack.restores.push(() => put(text));
  await put(JSON.stringify(mutated));
  const label = `${m.key}-${m.sid}`;
  let result: TestRun;
  try {
    result = await runRoleTests(stack, label);
    if (result.broken && !result.passed) {
      // A shared machine under load can break a set-up step (a CLI run timing out): such a
      // run tested nothing, so it is run once more before it counts as an error.
      log(`${m.key}:${m.sid} broke before testing (${result.log}); running it once more`);
      result = await runRoleTests(stack, `${label}-again`);
    }
  } finally {
    await restoreAll(stack);
  }
  const allowed = ALLOWED_SURVIVORS[`${m.key}:${m.sid}`];
  const row: Row = {
    role: m.key,
    sid: m.sid,
    seconds: result.seconds,
    outcome: 'killed',
    detail: '',
  };
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
  log(`${m.key}:${m.sid} ${row.outcome} (${result.seconds.toFixed(1)} s)`);
  return row;
}

async function main(): Promise<number> {
  const startedAt = Date.now();
  const only = new Set(argValues('--only'));
  const given = argValues('--state-dir')[0];
  const jobs = jobCount(given);
  const opened = await Promise.allSettled(Array.from({ length: jobs }, () => openStack(given)));
  const stacks = opened.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
  const stopAll = () => Promise.all(stacks.map((stack) => stack.stop().catch(() => undefined)));
  const refused = opened.find((o) => o.status === 'rejected');
  if (refused) {
    await stopAll();
    throw refused.reason;
  }
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    process.once(signal, () => {
      for (const child of running) stopGroup(child);
      void Promise.all(stacks.map(restoreAll))
        .then(stopAll)
        .finally(() => process.exit(code));
    });
  }
  const rows: Row[] = [];
  try {
    const baselines = await Promise.all(stacks.map((stack) => runRoleTests(stack, 'baseline')));
    const failing = baselines.find((b) => !b.passed);
    if (failing) {
      log(
        `the role tests fail with the policies as deployed (see ${failing.log}): nothing to mutate`,
      );
      return 1;
    }
    const took = baselines.map((b) => b.seconds.toFixed(1)).join(' s, ');
    log(`baseline: the role tests pass (${took} s${jobs > 1 ? `; ${jobs} stacks` : ''})`);
    // What to mutate, in the roles' order; rows keep that order whichever stack ran them.
    const first = stacks[0] as Stack;
    const queue: Array<{ at: number; m: Mutation }> = [];
    for (const [key, { role, file }] of Object.entries(ROLES) as [
      RoleKey,
      (typeof ROLES)[RoleKey],
    ][]) {
      const { doc } = await deployedPolicy(first.iam, role, key);
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
        queue.push({ at: rows.length, m: { key, role, sid } });
        rows.push({ role: key, sid, outcome: 'ERROR', detail: 'not run' });
      }
    }
    // Each stack takes the next mutation as soon as it is free.
    await Promise.all(
      stacks.map(async (stack) => {
        for (let next = queue.shift(); next; next = queue.shift()) {
          rows[next.at] = await mutate(stack, next.m);
        }
      }),
    );
  } finally {
    await Promise.all(stacks.map(restoreAll));
    await stopAll();
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
