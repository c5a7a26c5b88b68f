/**
 * `npm run bench:cli`: how fast `gatewarden --help` starts, beside a bare `node -e ''`.
 *
 * Builds the CLI bundle if the sources changed (as `npm ci` and the tests do), then runs, in one
 * run and alternating so both see the same machine conditions:
 *   - node:   `node -e ''`, the floor any Node program pays;
 *   - help:   `node bin/gatewarden.js --help` from the bundle;
 *   - source: the same from the TypeScript sources (GATEWARDEN_CLI_FROM_SOURCE=1), fewer runs,
 *             for comparison with how the CLI started before it was bundled.
 * Wall time per process, spawn included. Goal: help's median under 500 ms. Ends with one JSON
 * line; exits 1 when the goal is missed.
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { currentBuild } from '../bin/currentBuild.js';
import { buildCli } from '../scripts/buildCli.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const RUNS = Number(process.env.BENCH_CLI_RUNS ?? 20);
const SOURCE_RUNS = Number(process.env.BENCH_CLI_SOURCE_RUNS ?? 3);
const GOAL_MS = 500;

function timeRun(args: string[], env: NodeJS.ProcessEnv = process.env): number {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, { cwd: ROOT, env, stdio: 'ignore' });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) throw new Error(`${args.join(' ')} exited ${result.status}`);
  return ms;
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

const round = (ms: number): number => Math.round(ms * 10) / 10;

await buildCli();
const build = currentBuild(ROOT);
if (build.entry === undefined) {
  throw new Error(`the bundle is not current (${build.stale}): nothing to measure`);
}

const cli = [join(ROOT, 'bin/gatewarden.js'), '--help'];
const fromSource = { ...process.env, GATEWARDEN_CLI_FROM_SOURCE: '1' };
timeRun(['-e', '']); // warm the file cache for both
timeRun(cli);
const samples = { node: [] as number[], help: [] as number[], source: [] as number[] };
for (let i = 0; i < RUNS; i++) {
  // Alternate which goes first, so neither always runs right after the other.
  if (i % 2 === 0) {
    samples.node.push(timeRun(['-e', '']));
    samples.help.push(timeRun(cli));
  } else {
    samples.help.push(timeRun(cli));
    samples.node.push(timeRun(['-e', '']));
  }
  if (i < SOURCE_RUNS) samples.source.push(timeRun(cli, fromSource));
}

const row = (name: string, values: number[]): string =>
  `${name.padEnd(34)} median ${String(round(quantile(values, 0.5))).padStart(7)} ms   p90 ${String(round(quantile(values, 0.9))).padStart(7)} ms   (${values.length} runs)`;
process.stdout.write(
  [
    row("node -e ''", samples.node),
    row('gatewarden --help (bundle)', samples.help),
    row('gatewarden --help (from source)', samples.source),
    `goal: gatewarden --help median under ${GOAL_MS} ms`,
    '',
  ].join('\n'),
);
const helpMedian = quantile(samples.help, 0.5);
const nodeMedian = quantile(samples.node, 0.5);
const result = {
  bench: 'cli',
  helpMedianMs: round(helpMedian),
  helpP90Ms: round(quantile(samples.help, 0.9)),
  nodeMedianMs: round(nodeMedian),
  overheadMs: round(helpMedian - nodeMedian),
  sourceMedianMs: round(quantile(samples.source, 0.5)),
  goalMs: GOAL_MS,
  met: helpMedian < GOAL_MS,
};
process.stdout.write(`${JSON.stringify(result)}\n`);
if (!result.met) process.exitCode = 1;
