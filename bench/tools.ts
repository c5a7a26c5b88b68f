/**
 * Benchmark of the tool report: N InvokeGateway data events (10,000,000 by default) in gzip
 * trail files under bench/.data/tools/ (generated once, kept), in the shape AgentCore
 * documents. One run times a baseline that only decompresses and JSON-parses the same files
 * with the same parallelism, then the tool report as `gatewarden tools --out DIR` makes it (the
 * CLI's functions: collect, access section, Cedar policies validated with cedar-wasm, and every
 * output file written to a temporary directory), alternating which runs first; the best of each
 * is kept.
 * Goals: report ≤ 1.5 × baseline, peak RSS ≤ 512 MB. Ends with one JSON line; exits 1 when a
 * goal is missed.
 *
 *   npm run bench:tools                       # 10M events
 *   BENCH_TOOLS_EVENTS=1000000 npm run bench:tools   # a quicker run
 */
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { constants, createGzip } from 'node:zlib';
import { emit, runTools, type ToolsCliOptions } from '../cli/commands/tools.js';
import {
  DEFAULT_FILE_CONCURRENCY,
  forEachConcurrent,
  listLogFiles,
  parseLogText,
  readLogStream,
} from '../lib/reports/logFiles.js';
import { DEFAULT_REPORT_DAYS } from '../lib/reports/report.js';
import { TOOL_FORMATS } from '../lib/tools/files.js';
import { sampleInvokeRecord } from '../lib/tools/sampleRecord.js';
import { seededRandom } from '../test/support/seededRandom.js';

const EVENTS = Number(process.env.BENCH_TOOLS_EVENTS ?? 10_000_000);
const PER_FILE = Number(process.env.BENCH_TOOLS_PER_FILE ?? 2_000);
const ROUNDS = Number(process.env.BENCH_TOOLS_ROUNDS ?? 2);
const GATEWAYS = 5;
const TOOLS_PER_GATEWAY = 40;
const SUBJECTS = 2_000;
const CLIENTS = 50;
const ACCOUNT = '111122223333';
// One directory per size: a quick run does not throw away the full run's files.
const DATA = join(import.meta.dirname, '.data', 'tools', `${EVENTS}x${PER_FILE}`);
const TRAIL = join(DATA, 'trail');
const MARKER = join(DATA, 'params.json');
const GOAL_RATIO = 1.5;
const GOAL_RSS_MB = 512;

for (const [name, v] of Object.entries({ EVENTS, PER_FILE, ROUNDS }))
  if (!Number.isInteger(v) || v < 1) throw new Error(`${name} must be a positive integer`);

const gatewayArn = (g: number) =>
  `arn:aws:bedrock-agentcore:us-east-1:${ACCOUNT}:gateway/gw-bench-${g}`;

async function synthesize(): Promise<void> {
  const params = JSON.stringify({ EVENTS, PER_FILE, version: 1 });
  if (existsSync(MARKER) && (await readFile(MARKER, 'utf8')) === params) return;
  const started = Date.now();
  await rm(DATA, { recursive: true, force: true });
  await mkdir(TRAIL, { recursive: true });
  const random = seededRandom(21);
  const files = Math.ceil(EVENTS / PER_FILE);
  let written = 0;
  for (let f = 0; f < files; f++) {
    const count = Math.min(PER_FILE, EVENTS - written);
    const day = `2026-11-${String(1 + (f % 28)).padStart(2, '0')}`;
    const parts: string[] = [];
    for (let r = 0; r < count; r++) {
      const g = Math.floor(random() * GATEWAYS);
      const sub = Math.floor(random() * SUBJECTS);
      // Each subject sticks to a client and mostly to a few tools: a realistic skew.
      const tool =
        (sub * 7 + Math.floor(random() * random() * TOOLS_PER_GATEWAY)) % TOOLS_PER_GATEWAY;
      const roll = random();
      const record = sampleInvokeRecord({
        gatewayArn: gatewayArn(g),
        tool: `target${tool % 4}___tool_${tool}`,
        targetId: `TGT${g}${tool % 4}`,
        claims: {
          sub: `user-${sub}`,
          client_id: `client-${sub % CLIENTS}`,
          iss: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_EXAMPLE',
          scope: 'gateway/invoke',
          token_use: 'access',
          auth_time: 1764500000 + r,
          exp: 1764503600 + r,
        },
        time: `${day}T${String(Math.floor(random() * 24)).padStart(2, '0')}:${String(Math.floor(random() * 60)).padStart(2, '0')}:00Z`,
        eventId: `${String(f).padStart(8, '0')}-0000-4000-8000-${String(r).padStart(12, '0')}`,
        ...(roll < 0.01 ? { statusCode: 401 } : {}),
        ...(roll >= 0.01 && roll < 0.02
          ? { error: { code: -32002, message: 'Tool call not authorized by policy' } }
          : {}),
        ...(roll >= 0.02 && roll < 0.03 ? { statusCode: 500 } : {}),
      });
      parts.push(JSON.stringify(record));
    }
    written += count;
    const name = `${ACCOUNT}_CloudTrail_us-east-1_${day.replace(/-/g, '')}T0000Z_${String(f).padStart(6, '0')}.json.gz`;
    await pipeline(
      Readable.from([`{"Records":[${parts.join(',')}]}`]),
      createGzip({ level: constants.Z_BEST_SPEED }),
      createWriteStream(join(TRAIL, name)),
    );
    if (f % 100 === 99)
      process.stderr.write(
        `synthesizing: ${written} / ${EVENTS} events (${Math.round((Date.now() - started) / 1000)} s)\n`,
      );
  }
  await writeFile(MARKER, params);
  process.stderr.write(
    `synthesized ${written} events in ${files} files in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
  );
}

/** Baseline: the same files, the same parallelism, only gunzip + JSON.parse. */
async function baseline(files: string[]): Promise<{ seconds: number; records: number }> {
  const started = process.hrtime.bigint();
  let records = 0;
  await forEachConcurrent(files, DEFAULT_FILE_CONCURRENCY, async (file) => {
    const parsed = parseLogText(await readLogStream(createReadStream(file), true));
    records += parsed.length;
  });
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, records };
}

/**
 * The tool report as `gatewarden tools --trail DIR --principal-claim client_id --out OUT` makes
 * it: the CLI's own functions read the files, build the report and write every format (json,
 * md, html, cedar) into a temporary directory, removed afterwards.
 */
async function report(): Promise<{
  seconds: number;
  records: number;
  policies: number;
  rejected: number;
  bytes: number;
}> {
  const out = await mkdtemp(join(tmpdir(), 'gw-bench-tools-'));
  try {
    const options: ToolsCliOptions = {
      trail: [TRAIL],
      days: DEFAULT_REPORT_DAYS,
      highRisk: [],
      principalClaim: 'client_id',
      out,
      format: [...TOOL_FORMATS],
    };
    const started = process.hrtime.bigint();
    const result = await runTools(options);
    await emit(result, options);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    let policies = 0;
    let rejected = 0;
    for (const g of result.gateways) {
      policies += g.recommendation?.policies.length ?? 0;
      rejected += g.recommendation?.rejected.length ?? 0;
    }
    let bytes = 0;
    for (const name of await readdir(out)) bytes += (await stat(join(out, name))).size;
    return { seconds, records: result.sources.recordsRead, policies, rejected, bytes };
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}

/** The highest RSS and heap seen while `step` runs (sampled every 100 ms), in MB. */
async function sampled<T>(
  step: () => Promise<T>,
): Promise<{ value: T; rssMb: number; heapMb: number }> {
  let rss = 0;
  let heap = 0;
  const sample = () => {
    const m = process.memoryUsage();
    rss = Math.max(rss, m.rss);
    heap = Math.max(heap, m.heapUsed + m.external);
  };
  const timer = setInterval(sample, 100);
  try {
    const value = await step();
    sample();
    return { value, rssMb: rss / 2 ** 20, heapMb: heap / 2 ** 20 };
  } finally {
    clearInterval(timer);
  }
}

async function main(): Promise<void> {
  await synthesize();
  if (process.env.BENCH_TOOLS_SYNTHESIZE_ONLY === '1') return;
  const files = await listLogFiles(TRAIL);
  const baselines: number[] = [];
  const cpu = { baseline: [] as number[], report: [] as number[] };
  const cpuNow = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
  };
  const reports: Awaited<ReturnType<typeof report>>[] = [];
  const memory = { baseline: { rssMb: 0, heapMb: 0 }, report: { rssMb: 0, heapMb: 0 } };
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? ['baseline', 'report'] : ['report', 'baseline'];
    let b: Awaited<ReturnType<typeof baseline>> | undefined;
    let r: Awaited<ReturnType<typeof report>> | undefined;
    for (const step of order) {
      const c = cpuNow();
      const name = step === 'baseline' ? 'baseline' : 'report';
      let m: { rssMb: number; heapMb: number };
      if (step === 'baseline') ({ value: b, ...m } = await sampled(() => baseline(files)));
      else ({ value: r, ...m } = await sampled(report));
      cpu[name].push(cpuNow() - c);
      memory[name].rssMb = Math.max(memory[name].rssMb, m.rssMb);
      memory[name].heapMb = Math.max(memory[name].heapMb, m.heapMb);
    }
    if (b === undefined || r === undefined) throw new Error('round incomplete');
    if (r.records !== b.records)
      throw new Error(`report read ${r.records} records, baseline ${b.records}`);
    baselines.push(b.seconds);
    reports.push(r);
    process.stderr.write(
      `round ${round + 1}: baseline ${b.seconds.toFixed(2)} s (cpu ${cpu.baseline.at(-1)?.toFixed(2)} s), tool report ${r.seconds.toFixed(2)} s (cpu ${cpu.report.at(-1)?.toFixed(2)} s); ${r.policies} policies, ${r.rejected} not offered, ${(r.bytes / 2 ** 20).toFixed(1)} MB of files\n`,
    );
  }
  const baselineS = Math.min(...baselines);
  const wallS = Math.min(...reports.map((r) => r.seconds));
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  const ratio = wallS / baselineS;
  process.stdout.write(
    `${JSON.stringify({
      bench: 'tools',
      events: reports[0]?.records ?? 0,
      files: files.length,
      wallS: Number(wallS.toFixed(3)),
      baselineS: Number(baselineS.toFixed(3)),
      ratio: Number(ratio.toFixed(3)),
      // CPU seconds of the process (gunzip threads included): steadier than wall time on a
      // shared machine.
      cpuRatio: Number((Math.min(...cpu.report) / Math.min(...cpu.baseline)).toFixed(3)),
      peakRssMb: Number(peakRssMb.toFixed(1)),
      // Sampled every 100 ms while each step ran (heap: V8 heap used + external memory).
      sampled: {
        baselineRssMb: Number(memory.baseline.rssMb.toFixed(1)),
        baselineHeapMb: Number(memory.baseline.heapMb.toFixed(1)),
        reportRssMb: Number(memory.report.rssMb.toFixed(1)),
        reportHeapMb: Number(memory.report.heapMb.toFixed(1)),
      },
      outputMb: Number(((reports[0]?.bytes ?? 0) / 2 ** 20).toFixed(1)),
      goals: { ratio: GOAL_RATIO, peakRssMb: GOAL_RSS_MB },
    })}\n`,
  );
  if (ratio > GOAL_RATIO || peakRssMb > GOAL_RSS_MB) process.exitCode = 1;
}

await main();
