/**
 * `npm run bench:suite`: what enforcing IAM on the local stack costs the integration suite's
 * wall time (issue 16: at most 15% more than with GATEWARDEN_LOCAL_IAM=off).
 *
 * Runs one fixed, representative subset of the integration suites, once per variant, the
 * variants interleaved (off, enforce, off, enforce, …; BENCH_SUITE_ROUNDS rounds, default 2) so
 * both see the same machine, each run on a fresh local stack of its own
 * (GATEWARDEN_LOCAL_STATE_DIR, started and deployed by the run's global setup, and the role
 * suite's own stack, both timed: they are part of what `npm test` costs). Prints the wall time of
 * every run, the median per variant and the enforce/off ratio; exits 1 when a run fails or the
 * ratio is above 1.15.
 *
 * The subset: a rotation suite, a detection suite, a report suite and a role suite. A test that
 * asserts a refusal cannot pass with the gate off, so the role suite runs only its tests that
 * expect none (the jest filter below: the rotate role's rotation steps and the rotateNow role's
 * sweeps; its attack and break-glass tests assert refusals and are left out of both variants).
 * The role suite starts its own stack in the variant's mode (GATEWARDEN_ROLE_TESTS_IAM).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROUNDS = Number(process.env.BENCH_SUITE_ROUNDS ?? 2);
const GOAL_RATIO = 1.15;
const SUITES = [
  'test/integration/rotation/engine.test.ts',
  'test/integration/detection/burstSummary.test.ts',
  'test/integration/reports/sdkReport.test.ts',
  'test/integration/roles/rotationRoles.test.ts',
];
/** Every test of the first three suites; of the role suite, those that assert no refusal. */
const FILTER = [
  'rotation on the local stack',
  'burst summaries on DynamoDB',
  'access report through the SDK',
  'the rotate role runs the rotation steps',
  'the rotateNow role sweeps:',
]
  .map((name) => name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
  .join('|');

type Variant = 'off' | 'enforce';

interface Run {
  variant: Variant;
  seconds: number;
  passed: number;
  failed: number;
  ok: boolean;
}

function runSuites(variant: Variant, round: number): Promise<Run> {
  const stateDir = mkdtempSync(join(tmpdir(), `gw-bench-suite-${variant}-`));
  const started = process.hrtime.bigint();
  return new Promise((resolvePromise, reject) => {
    const child = spawn(
      process.execPath,
      [
        'node_modules/jest/bin/jest.js',
        '--selectProjects',
        'integration',
        '--runTestsByPath',
        ...SUITES,
        '-t',
        `^(${FILTER})`,
        '--json',
        `--outputFile=${join(stateDir, 'jest.json')}`,
      ],
      {
        env: {
          ...process.env,
          NODE_OPTIONS: '--experimental-vm-modules --disable-warning=ExperimentalWarning',
          GATEWARDEN_LOCAL_STATE_DIR: stateDir,
          GATEWARDEN_LOCAL_IAM: variant,
          GATEWARDEN_ROLE_TESTS_IAM: variant,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    child.stdout.resume();
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      let passed = 0;
      let failed = 0;
      try {
        const report = JSON.parse(readFileSync(join(stateDir, 'jest.json'), 'utf8')) as {
          numPassedTests: number;
          numFailedTests: number;
        };
        passed = report.numPassedTests;
        failed = report.numFailedTests;
      } catch {
        failed = -1;
      }
      const ok = code === 0 && failed === 0 && passed > 0;
      if (!ok)
        process.stderr.write(
          `${variant} run ${round} failed (exit ${code}):\n${stderr.slice(-4000)}\n`,
        );
      resolvePromise({ variant, seconds, passed, failed, ok });
    });
  });
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] ?? NaN)
    : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2;
};

const runs: Run[] = [];
for (let round = 1; round <= ROUNDS; round++) {
  for (const variant of ['off', 'enforce'] as const) {
    const run = await runSuites(variant, round);
    runs.push(run);
    console.log(
      `round ${round} ${variant.padEnd(7)} ${run.seconds.toFixed(1)} s  (${run.passed} passed, ${run.failed} failed)`,
    );
  }
}
const of = (variant: Variant) =>
  runs.filter((run) => run.variant === variant).map((r) => r.seconds);
const off = median(of('off'));
const enforce = median(of('enforce'));
const ratio = enforce / off;
const perRound = Array.from({ length: ROUNDS }, (_, i) => {
  const [o, e] = [runs[2 * i]?.seconds ?? NaN, runs[2 * i + 1]?.seconds ?? NaN];
  return Math.round((e / o) * 1000) / 1000;
});
console.log(
  `median wall time: off ${off.toFixed(1)} s, enforce ${enforce.toFixed(1)} s; enforce/off ${ratio.toFixed(3)} (per round ${perRound.join(', ')}); goal ≤ ${GOAL_RATIO}`,
);
console.log(
  JSON.stringify({
    bench: 'suite-iam-cost',
    suites: SUITES,
    filter: FILTER,
    runs,
    medianSeconds: { off, enforce },
    ratio: Math.round(ratio * 1000) / 1000,
    perRound,
    goalRatio: GOAL_RATIO,
  }),
);
if (runs.some((run) => !run.ok) || ratio > GOAL_RATIO) process.exitCode = 1;
