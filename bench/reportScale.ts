/**
 * Benchmark of the offline access report at scale: an authorization-details export of 150,000
 * roles (about 1,500 users, 400 customer managed policies of three versions each; the mix of
 * test/support/realisticIamExport.ts) and CloudTrail records of their calls, under
 * bench/.data/ (generated once, kept). Each measurement runs in a process of its own, side by
 * side in one run: the time and peak RSS to merely parse the export whole (readFile +
 * JSON.parse, what the report did before it streamed), then the whole report as a user runs
 * it (`gatewarden report --iam … --trail … --format all --out …`). Ends with one JSON line:
 * {"bench":"report-scale",…,"ratio":reportS/parseS,"peakRssMb":…}.
 *
 * The streamed IAM read alone is measured too (`--read-only` stops there: the whole report
 * takes far longer than the read). The whole report must stay within 1 GiB of peak RSS: it
 * analyses one principal at a time and writes its files as streams (ReportSpool); the bench
 * exits 1 when the report fails or goes over.
 *
 *   npm run bench:report-scale [-- --roles N --records N --read-only]
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AuthorizationDetailsFile } from '../lib/reports/iamFile.js';
import { writeRealisticExport } from '../test/support/realisticIamExport.js';
import { intArg } from './args.js';

const ROLES = intArg('roles', 150_000);
const RECORDS = intArg('records', 200_000);
const ROOT = join(import.meta.dirname, '..');
const DATA = join(import.meta.dirname, '.data', 'report-scale');
const MARKER = join(DATA, 'params.json');
const OUT = join(DATA, 'out');
/** Loaded into each measured process: its peak RSS, written last on stderr. */
const PEAK = join(DATA, 'peak.cjs');
const LIMIT_MB = 1024;

/**
 * The trail covers the report's window (90 days to now, UTC days): the report knows usage only
 * when the records reach the window's edges. Regenerated on a new day.
 */
const TRAIL_DAYS = { last: new Date().toISOString().slice(0, 10), days: 91 };

async function synthesize(): Promise<{ iam: string; trail: string; bytes: number }> {
  const params = JSON.stringify({ ROLES, RECORDS, TRAIL_DAYS, version: 2 });
  const iam = join(DATA, 'authorization-details.json');
  const trail = join(DATA, 'trail');
  if (existsSync(MARKER) && (await readFile(MARKER, 'utf8')) === params)
    return { iam, trail, bytes: (await stat(iam)).size };
  const started = Date.now();
  await rm(DATA, { recursive: true, force: true });
  const written = await writeRealisticExport(DATA, {
    roles: ROLES,
    trailRecords: RECORDS,
    trailDays: TRAIL_DAYS,
  });
  await writeFile(MARKER, params);
  process.stderr.write(
    `synthesized ${ROLES} roles (${(written.bytes / 1024 / 1024).toFixed(0)} MB) and ${RECORDS} records in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
  );
  return { iam, trail, bytes: written.bytes };
}

interface Run {
  seconds: number;
  peakRssMb: number;
  code: number | null;
  stderr: string;
}

/** Runs node with `args` in its own process; wall time and the peak RSS it reports at exit. */
function measure(args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, ['--require', PEAK, ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const peak = /@@peak (\d+)/.exec(stderr);
      resolve({
        seconds,
        peakRssMb: peak ? Number(peak[1]) / 1024 : NaN,
        code,
        stderr: stderr.replace(/\n?@@peak \d+\n?/, ''),
      });
    });
  });
}

/** `--load-only <file>`: the streamed IAM read alone (run in a child by main). */
async function loadOnly(file: string): Promise<void> {
  const snapshot = await new AuthorizationDetailsFile(file).load();
  process.stderr.write(`loaded ${snapshot.principals.length} principals\n`);
}

async function main(): Promise<void> {
  await mkdir(DATA, { recursive: true });
  const { iam, trail, bytes } = await synthesize();
  await writeFile(
    PEAK,
    "process.on('exit', () => require('node:fs').writeSync(2, `\\n@@peak ${process.resourceUsage().maxRSS}\\n`));\n",
  );
  await rm(OUT, { recursive: true, force: true });
  const parse = await measure([
    '-e',
    `JSON.parse(require('node:fs').readFileSync(${JSON.stringify(iam)}, 'utf8'))`,
  ]);
  process.stderr.write(
    `parse whole (readFile + JSON.parse): ${parse.seconds.toFixed(2)} s, peak RSS ${parse.peakRssMb.toFixed(0)} MB${parse.code === 0 ? '' : ` — failed (exit ${parse.code}): ${parse.stderr.trim().split('\n').at(-1)}`}\n`,
  );
  const load = await measure(['--import', 'tsx', 'bench/reportScale.ts', '--load-only', iam]);
  process.stderr.write(
    `IAM read, streamed (AuthorizationDetailsFile.load): ${load.seconds.toFixed(2)} s, peak RSS ${load.peakRssMb.toFixed(0)} MB${load.code === 0 ? '' : ` — failed (exit ${load.code})`}\n`,
  );
  if (process.argv.includes('--read-only')) {
    process.stdout.write(
      `${JSON.stringify({ bench: 'report-scale', roles: ROLES, exportMb: Number((bytes / 1024 / 1024).toFixed(1)), parseS: Number(parse.seconds.toFixed(3)), parsePeakRssMb: Number(parse.peakRssMb.toFixed(1)), loadS: Number(load.seconds.toFixed(3)), loadPeakRssMb: Number(load.peakRssMb.toFixed(1)), loadRatio: Number((load.seconds / parse.seconds).toFixed(3)) })}\n`,
    );
    return;
  }
  const report = await measure([
    'bin/gatewarden.js',
    'report',
    '--iam',
    iam,
    '--trail',
    trail,
    '--format',
    'all',
    '--out',
    OUT,
    '--no-progress',
  ]);
  const withinLimit = report.code === 0 && report.peakRssMb <= LIMIT_MB;
  process.stderr.write(
    `whole report (--format all): ${report.seconds.toFixed(2)} s, peak RSS ${report.peakRssMb.toFixed(0)} MB (limit ${LIMIT_MB}) — parse whole: ${parse.seconds.toFixed(2)} s, ${parse.peakRssMb.toFixed(0)} MB${withinLimit ? '' : ' — OVER THE LIMIT or failed'}\n${report.stderr}`,
  );
  if (!withinLimit) process.exitCode = 1;
  // A failed report (out of memory, over a limit) is a figure too: said, not thrown.
  const sizes =
    report.code === 0
      ? await Promise.all(
          ['json', 'md', 'html'].map(async (f) => (await stat(join(OUT, `report.${f}`))).size),
        )
      : [];
  process.stdout.write(
    `${JSON.stringify({
      bench: 'report-scale',
      roles: ROLES,
      records: RECORDS,
      exportMb: Number((bytes / 1024 / 1024).toFixed(1)),
      parseS: Number(parse.seconds.toFixed(3)),
      parsePeakRssMb: Number(parse.peakRssMb.toFixed(1)),
      loadS: Number(load.seconds.toFixed(3)),
      loadPeakRssMb: Number(load.peakRssMb.toFixed(1)),
      reportS: Number(report.seconds.toFixed(3)),
      ratio: Number((report.seconds / parse.seconds).toFixed(3)),
      peakRssMb: Number(report.peakRssMb.toFixed(1)),
      reportExit: report.code,
      withinLimit,
      outputMb: Object.fromEntries(
        ['json', 'md', 'html'].map((f, i) => [
          f,
          Number(((sizes[i] ?? 0) / 1024 / 1024).toFixed(1)),
        ]),
      ),
    })}\n`,
  );
}

const only = process.argv.indexOf('--load-only');
if (only >= 0) await loadOnly(process.argv[only + 1] ?? '');
else await main();
