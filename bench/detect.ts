/**
 * `npm run bench:detect`: throughput of the detection engine against JSON.parse.
 *
 * Generates ≥ 200,000 realistic mixed CloudTrail records (templates: every rule fixture plus
 * common background noise — STS, KMS, EC2, S3, Lambda, Logs — with fresh ids, times, IPs and
 * sessions) as gzip `{"Records":[…]}` files of 1,000 records under bench/.data/ (gitignored),
 * then measures, in one run and over the same files:
 *   - parse: stream + gunzip + split + JSON.parse of every record;
 *   - full:  the same, plus schema validation and every rule (baselines, counters and dedup
 *            served by the in-memory stores).
 * Each file is read by both paths back to back (alternating which goes first), and the CPU
 * seconds of this process are summed per path, so both see the same machine conditions even
 * on a shared, loaded machine. Ends with one JSON line; ratio = fullEps ÷ parseOnlyEps.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { parseDetectionConfig } from '../lib/detection/config.js';
import { DetectionEngine } from '../lib/detection/engine.js';
import { readItems, unwrapRecords } from '../lib/detection/input.js';
import { memoryState } from '../lib/detection/memoryStores.js';
import { validateRecord } from '../lib/detection/record.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DATA = join(ROOT, 'bench/.data/detect');
const EVENTS = Number(process.env.BENCH_DETECT_EVENTS ?? 200_000);
const PER_FILE = 1000;
const PASSES = Number(process.env.BENCH_DETECT_PASSES ?? 3);

type Json = Record<string, unknown>;

function ruleTemplates(): Json[] {
  const dir = join(ROOT, 'lib/detection/rules');
  return readdirSync(dir)
    .filter((name) => name.endsWith('.fixtures.json'))
    .flatMap((name) => {
      const file = JSON.parse(readFileSync(join(dir, name), 'utf8')) as {
        cases: { records: Json[] }[];
      };
      // One record per case keeps the long warm-up sequences from dominating the mix.
      return file.cases.map((c) => c.records.at(-1)).filter((r): r is Json => r !== undefined);
    });
}

function identity(role: string, session: string): Json {
  return {
    type: 'AssumedRole',
    principalId: `AROAEXAMPLE${role.length}:${session}`,
    arn: `arn:aws:sts::111122223333:assumed-role/${role}/${session}`,
    accountId: '111122223333',
    accessKeyId: 'ASIAEXAMPLEKEYID0001',
    sessionContext: {
      sessionIssuer: {
        type: 'Role',
        principalId: `AROAEXAMPLE${role.length}`,
        arn: `arn:aws:iam::111122223333:role/${role}`,
        accountId: '111122223333',
        userName: role,
      },
      attributes: { creationDate: '2026-11-20T08:00:00Z', mfaAuthenticated: 'false' },
    },
  };
}

/** Background noise: the calls that make up most of a real trail and match no rule. */
function noiseTemplates(): Json[] {
  const base = (
    source: string,
    name: string,
    role: string,
    req: Json | null,
    readOnly = true,
  ): Json => ({
    eventVersion: '1.11',
    userIdentity: identity(role, 'i-0abc1234def567890'),
    eventTime: '2026-11-20T10:00:00Z',
    eventSource: source,
    eventName: name,
    awsRegion: 'us-east-1',
    sourceIPAddress: '10.0.12.34',
    userAgent:
      'aws-sdk-java/2.29.1 Linux/6.1 OpenJDK_64-Bit_Server_VM/21.0.5 Java/21.0.5 vendor/Amazon.com_Inc. md/internal',
    requestParameters: req,
    responseElements: null,
    requestID: 'x',
    eventID: 'x',
    readOnly,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: '111122223333',
    eventCategory: 'Management',
    tlsDetails: {
      tlsVersion: 'TLSv1.3',
      cipherSuite: 'TLS_AES_128_GCM_SHA256',
      clientProvidedHostHeader: `${source.split('.')[0]}.us-east-1.amazonaws.com`,
    },
  });
  return [
    base('sts.amazonaws.com', 'AssumeRole', 'platform-deployer', {
      roleArn: 'arn:aws:iam::111122223333:role/app-runtime',
      roleSessionName: 'app',
      durationSeconds: 3600,
    }),
    base('kms.amazonaws.com', 'Decrypt', 'app-runtime', {
      encryptionAlgorithm: 'SYMMETRIC_DEFAULT',
      encryptionContext: {
        'aws:lambda:FunctionArn': 'arn:aws:lambda:us-east-1:111122223333:function:orders',
      },
    }),
    base('kms.amazonaws.com', 'GenerateDataKey', 'app-runtime', {
      keyId: 'alias/aws/s3',
      keySpec: 'AES_256',
    }),
    base('ec2.amazonaws.com', 'DescribeInstances', 'monitoring', {
      instancesSet: {},
      filterSet: {},
    }),
    base('s3.amazonaws.com', 'ListBuckets', 'monitoring', { Host: 's3.amazonaws.com' }),
    base('lambda.amazonaws.com', 'ListFunctions20150331', 'monitoring', null),
    base(
      'logs.amazonaws.com',
      'CreateLogStream',
      'app-runtime',
      { logGroupName: '/aws/lambda/orders', logStreamName: '2026/11/20/[$LATEST]abc' },
      false,
    ),
    base('secretsmanager.amazonaws.com', 'GetSecretValue', 'AgentCoreGatewayExecutionRole-orders', {
      secretId:
        'arn:aws:secretsmanager:us-east-1:111122223333:secret:gatewarden/orders-gw/api-key/orders-Qw12Er',
      versionStage: 'AWSCURRENT',
    }),
    base('bedrock-agentcore.amazonaws.com', 'GetGateway', 'developer', {
      gatewayIdentifier: 'orders-gw-a1b2c3d4e5',
    }),
    base('iam.amazonaws.com', 'GetRole', 'monitoring', { roleName: 'app-runtime' }),
  ];
}

const IPS = Array.from({ length: 64 }, (_, i) => `198.51.100.${i + 1}`);
const SESSIONS = Array.from({ length: 32 }, (_, i) => `session-${i}`);

function realise(template: Json, at: number, n: number): Json {
  const record = structuredClone(template);
  record.eventTime = new Date(at).toISOString().replace('.000Z', 'Z');
  record.eventID = randomUUID();
  record.requestID = randomUUID();
  const identityValue = record.userIdentity as Json | undefined;
  if (identityValue?.type === 'AssumedRole' && typeof identityValue.arn === 'string') {
    identityValue.arn = identityValue.arn.replace(/\/[^/]+$/, `/${SESSIONS[n % SESSIONS.length]}`);
  }
  if (
    typeof record.sourceIPAddress === 'string' &&
    !record.sourceIPAddress.endsWith('.amazonaws.com')
  ) {
    record.sourceIPAddress = IPS[(n * 7) % IPS.length];
  }
  return record;
}

function generate(): string[] {
  const manifest = join(DATA, '..', `detect-manifest-${EVENTS}.json`);
  if (existsSync(manifest)) return JSON.parse(readFileSync(manifest, 'utf8')) as string[];
  mkdirSync(DATA, { recursive: true });
  const rules = ruleTemplates();
  const noise = noiseTemplates();
  const files: string[] = [];
  const start = Date.parse('2026-11-13T00:00:00Z');
  const stepMs = (7 * 86_400_000) / EVENTS; // a week of activity
  for (let f = 0; f * PER_FILE < EVENTS; f++) {
    const records: Json[] = [];
    for (let i = 0; i < PER_FILE && f * PER_FILE + i < EVENTS; i++) {
      const n = f * PER_FILE + i;
      // 70 % background noise, 30 % gateway-surface records from the rule fixtures.
      const template = n % 10 < 7 ? noise[n % noise.length] : rules[(n * 31) % rules.length];
      if (template !== undefined) records.push(realise(template, start + n * stepMs, n));
    }
    const file = join(
      DATA,
      `111122223333_CloudTrail_us-east-1_${String(f).padStart(5, '0')}.json.gz`,
    );
    writeFileSync(file, gzipSync(JSON.stringify({ Records: records })));
    files.push(file);
  }
  writeFileSync(manifest, JSON.stringify(files));
  return files;
}

let peakRss = 0;
function sampleRss(): number {
  const rss = process.memoryUsage().rss;
  if (rss > peakRss) peakRss = rss;
  return rss;
}

async function parseFile(file: string): Promise<number> {
  let events = 0;
  for await (const batch of readItems(file)) {
    for (const item of batch) if (item.ok) events += unwrapRecords(item.value).length;
  }
  return events;
}

async function fullFile(
  file: string,
  engine: DetectionEngine,
): Promise<{ events: number; findings: number }> {
  let events = 0;
  let findings = 0;
  for await (const batch of readItems(file)) {
    for (const item of batch) {
      if (!item.ok) continue;
      for (const raw of unwrapRecords(item.value)) {
        const validated = validateRecord(raw);
        if (!validated.ok) continue;
        events++;
        findings += engine.evaluateSync(validated.record).findings.length;
      }
    }
  }
  return { events, findings };
}

/** CPU seconds (user + system) of this process spent in `fn`: robust to other processes. */
async function cpuSeconds<T>(fn: () => Promise<T>): Promise<{ value: T; seconds: number }> {
  const before = process.cpuUsage();
  const value = await fn();
  const used = process.cpuUsage(before);
  return { value, seconds: (used.user + used.system) / 1e6 };
}

function newEngine(): DetectionEngine {
  return new DetectionEngine({ config: parseDetectionConfig({}), state: memoryState() });
}

async function main(): Promise<void> {
  const started = Date.now();
  const files = generate();
  process.stderr.write(
    `data: ${files.length} files in ${DATA} (${((Date.now() - started) / 1000).toFixed(1)} s to prepare)\n`,
  );
  // Warm up both paths so the JIT has seen them before anything is timed.
  const warm = newEngine();
  for (const file of files.slice(0, 10)) {
    await parseFile(file);
    await fullFile(file, warm);
  }

  // Side by side: every file is read by both paths back to back (alternating which goes
  // first), timing CPU seconds of this process, so both see the same machine conditions.
  let parseSeconds = 0;
  let fullSeconds = 0;
  let parsedEvents = 0;
  let events = 0;
  let findings = 0;
  let rssAtQuarter = 0;
  for (let pass = 1; pass <= PASSES; pass++) {
    const engine = newEngine();
    let passParse = 0;
    let passFull = 0;
    for (const [index, file] of files.entries()) {
      const runParse = async () => {
        const r = await cpuSeconds(() => parseFile(file));
        passParse += r.seconds;
        parsedEvents += r.value;
      };
      const runFull = async () => {
        const r = await cpuSeconds(() => fullFile(file, engine));
        passFull += r.seconds;
        if (pass === PASSES) {
          events += r.value.events;
          findings += r.value.findings;
        }
      };
      if (index % 2 === 0) {
        await runParse();
        await runFull();
      } else {
        await runFull();
        await runParse();
      }
      const rss = sampleRss();
      if (pass === PASSES && index === Math.floor(files.length / 4)) rssAtQuarter = rss;
    }
    parseSeconds += passParse;
    fullSeconds += passFull;
    process.stderr.write(
      `pass ${pass}: parse ${passParse.toFixed(2)} cpu-s, parse+rules ${passFull.toFixed(2)} cpu-s (ratio ${(passParse / passFull).toFixed(2)})\n`,
    );
  }
  const parseOnlyEps = parsedEvents / parseSeconds;
  const fullEps = (events * PASSES) / fullSeconds;
  process.stderr.write(
    `memory: rss ${(rssAtQuarter / 2 ** 20).toFixed(0)} MB after a quarter of the files, ${(sampleRss() / 2 ** 20).toFixed(0)} MB at the end; ${findings} findings per pass\n`,
  );
  process.stdout.write(
    `${JSON.stringify({
      bench: 'detect',
      events,
      parseOnlyEps: Math.round(parseOnlyEps),
      fullEps: Math.round(fullEps),
      ratio: Number((fullEps / parseOnlyEps).toFixed(3)),
      peakRssMb: Number((peakRss / 2 ** 20).toFixed(1)),
    })}\n`,
  );
}

await main();
