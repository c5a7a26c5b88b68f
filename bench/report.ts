/**
 * Benchmark of the offline access report: 1,000,000 CloudTrail records in 1,000 gzip files
 * and an authorization-details file with 200 roles, under bench/.data/ (generated once, kept).
 * The same run times a baseline that only decompresses and JSON-parses the same files with
 * the same parallelism, then the full report; rounds alternate which runs first, best kept.
 * Ends with one JSON line: {"bench":"report",...,"ratio":wallS/baselineS,"peakRssMb":…}.
 *
 *   npm run bench:report [-- --events N --files N --roles N --rounds N]
 */
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzip } from 'node:zlib';
import { promisify } from 'node:util';
import { IamDataCatalog } from '../lib/reports/catalog.js';
import { AuthorizationDetailsFile } from '../lib/reports/iamFile.js';
import {
  DEFAULT_FILE_CONCURRENCY,
  DirectoryActivitySource,
  forEachConcurrent,
  listLogFiles,
  parseLogText,
  readLogStream,
} from '../lib/reports/logFiles.js';
import { generateReport } from '../lib/reports/report.js';
import { seededRandom } from '../test/support/seededRandom.js';
import { intArg } from './args.js';

const gzipAsync = promisify(gzip);

const EVENTS = intArg('events', 1_000_000);
const FILES = intArg('files', 1_000);
const ROLES = intArg('roles', 200);
const ROUNDS = intArg('rounds', 3);
const ACCOUNT = '111122223333';
const DATA = join(import.meta.dirname, '.data', 'report');
const TRAIL = join(DATA, 'trail');
const IAM = join(DATA, 'authorization-details.json');
const MARKER = join(DATA, 'params.json');

/** Operations a gateway estate performs, as CloudTrail names them. */
const OPERATIONS: [string, string][] = [
  ['secretsmanager.amazonaws.com', 'GetSecretValue'],
  ['secretsmanager.amazonaws.com', 'DescribeSecret'],
  ['secretsmanager.amazonaws.com', 'PutSecretValue'],
  ['bedrock-agentcore.amazonaws.com', 'GetWorkloadAccessToken'],
  ['bedrock-agentcore.amazonaws.com', 'GetResourceApiKey'],
  ['bedrock-agentcore.amazonaws.com', 'GetGateway'],
  ['bedrock-agentcore.amazonaws.com', 'ListGateways'],
  ['bedrock-agentcore.amazonaws.com', 'UpdateGateway'],
  ['bedrock-agentcore.amazonaws.com', 'ListGatewayTargets'],
  ['lambda.amazonaws.com', 'Invoke'],
  ['lambda.amazonaws.com', 'GetFunction20150331v2'],
  ['kms.amazonaws.com', 'Decrypt'],
  ['kms.amazonaws.com', 'GenerateDataKey'],
  ['s3.amazonaws.com', 'GetObject'],
  ['s3.amazonaws.com', 'PutObject'],
  ['s3.amazonaws.com', 'ListObjectsV2'],
  ['sts.amazonaws.com', 'AssumeRole'],
  ['monitoring.amazonaws.com', 'PutMetricData'],
  ['logs.amazonaws.com', 'CreateLogStream'],
  ['dynamodb.amazonaws.com', 'GetItem'],
  ['dynamodb.amazonaws.com', 'PutItem'],
  ['sqs.amazonaws.com', 'SendMessage'],
  ['sns.amazonaws.com', 'Publish'],
  ['iam.amazonaws.com', 'GetRole'],
  ['cloudtrail.amazonaws.com', 'LookupEvents'],
];

function roleName(i: number): string {
  return i % 4 === 0 ? `gw-${i}-execution` : `svc-${i}`;
}

function authorizationDetails(): unknown {
  const random = seededRandom(7);
  const roles = Array.from({ length: ROLES }, (_, i) => {
    const name = roleName(i);
    const pick = (n: number) =>
      Array.from(
        { length: n },
        (): [string, string] =>
          OPERATIONS[Math.floor(random() * OPERATIONS.length)] ?? ['s3.amazonaws.com', 'GetObject'],
      );
    const actions = [
      ...new Set(
        pick(6).map(
          ([source, event]) =>
            `${source.split('.')[0] === 'monitoring' ? 'cloudwatch' : source.split('.')[0]}:${event.replace(/20150331v2$/, '').replace(/^Invoke$/, 'InvokeFunction')}`,
        ),
      ),
    ];
    const statements: unknown[] = [
      { Sid: 'Used', Effect: 'Allow', Action: actions, Resource: '*' },
      {
        Sid: 'Read',
        Effect: 'Allow',
        Action: ['s3:Get*', 'secretsmanager:Describe*'],
        Resource: `arn:aws:s3:::bucket-${i}/*`,
      },
    ];
    if (i % 10 === 0) statements.push({ Effect: 'Allow', Action: 'iam:PassRole', Resource: '*' });
    if (i % 25 === 0)
      statements.push({ Effect: 'Allow', NotAction: ['iam:*', 'organizations:*'], Resource: '*' });
    const trust =
      i % 4 === 0
        ? {
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Principal: { Service: 'bedrock-agentcore.amazonaws.com' },
                Action: 'sts:AssumeRole',
                ...(i % 8 === 0
                  ? {
                      Condition: {
                        StringEquals: { 'aws:SourceAccount': ACCOUNT },
                        ArnLike: {
                          'aws:SourceArn': `arn:aws:bedrock-agentcore:us-east-1:${ACCOUNT}:gateway/gw-${i}-*`,
                        },
                      },
                    }
                  : {}),
              },
            ],
          }
        : {
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Principal: { Service: 'lambda.amazonaws.com' },
                Action: 'sts:AssumeRole',
              },
            ],
          };
    return {
      Path: '/',
      RoleName: name,
      RoleId: `AROA${String(i).padStart(12, '0')}`,
      Arn: `arn:aws:iam::${ACCOUNT}:role/${name}`,
      CreateDate: '2026-01-01T00:00:00Z',
      AssumeRolePolicyDocument: encodeURIComponent(JSON.stringify(trust)),
      RolePolicyList: [
        {
          PolicyName: 'inline',
          PolicyDocument: encodeURIComponent(
            JSON.stringify({ Version: '2012-10-17', Statement: statements }),
          ),
        },
      ],
      AttachedManagedPolicies:
        i % 5 === 0
          ? [{ PolicyName: 'Shared', PolicyArn: `arn:aws:iam::${ACCOUNT}:policy/Shared` }]
          : [],
    };
  });
  const shared = {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: `arn:aws:kms:us-east-1:${ACCOUNT}:key/*`,
      },
    ],
  };
  return {
    UserDetailList: [],
    GroupDetailList: [],
    RoleDetailList: roles,
    Policies: [
      {
        PolicyName: 'Shared',
        Arn: `arn:aws:iam::${ACCOUNT}:policy/Shared`,
        DefaultVersionId: 'v1',
        PolicyVersionList: [{ Document: shared, VersionId: 'v1', IsDefaultVersion: true }],
      },
    ],
  };
}

async function synthesize(): Promise<void> {
  const params = JSON.stringify({ EVENTS, FILES, ROLES, version: 2 });
  if (existsSync(MARKER) && (await readFile(MARKER, 'utf8')) === params) return;
  const started = Date.now();
  await rm(DATA, { recursive: true, force: true });
  await mkdir(DATA, { recursive: true });
  await writeFile(IAM, JSON.stringify(authorizationDetails()));
  const random = seededRandom(42);
  const perFile = Math.ceil(EVENTS / FILES);
  const now = Date.now();
  let written = 0;
  for (let f = 0; f < FILES; f++) {
    const day = new Date(now - (1 + (f % 60)) * 86_400_000);
    const dir = join(
      TRAIL,
      'AWSLogs',
      ACCOUNT,
      'CloudTrail',
      'us-east-1',
      day.toISOString().slice(0, 10).replace(/-/g, '/'),
    );
    await mkdir(dir, { recursive: true });
    const count = Math.min(perFile, EVENTS - written);
    const records = Array.from({ length: count }, (_, r) => {
      const role = roleName(Math.floor(random() * ROLES));
      const [eventSource, eventName] = OPERATIONS[Math.floor(random() * OPERATIONS.length)] ??
        OPERATIONS[0] ?? ['', ''];
      const time = new Date(day.getTime() + Math.floor(random() * 86_400_000))
        .toISOString()
        .replace(/\.\d+Z$/, 'Z');
      return {
        eventVersion: '1.11',
        userIdentity: {
          type: 'AssumedRole',
          principalId: `AROA${role}:session`,
          arn: `arn:aws:sts::${ACCOUNT}:assumed-role/${role}/session-${r % 7}`,
          accountId: ACCOUNT,
          accessKeyId: 'ASIAEXAMPLEEXAMPLE',
          sessionContext: {
            sessionIssuer: {
              type: 'Role',
              principalId: `AROA${role}`,
              arn: `arn:aws:iam::${ACCOUNT}:role/${role}`,
              accountId: ACCOUNT,
              userName: role,
            },
            attributes: { creationDate: time, mfaAuthenticated: 'false' },
          },
        },
        eventTime: time,
        eventSource,
        eventName,
        awsRegion: 'us-east-1',
        sourceIPAddress: `10.0.${r % 250}.${f % 250}`,
        userAgent: 'aws-sdk-js/3.1169.0 ua/2.1 os/linux lang/js md/nodejs#22.23.3 api/x',
        requestParameters: {
          secretId: `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:gatewarden/gw-${r % 50}/apikey/p-AbCdEf`,
          maxResults: 50,
        },
        responseElements: null,
        requestID: `${f}-${r}-req`,
        eventID: `${String(f).padStart(8, '0')}-0000-4000-8000-${String(r).padStart(12, '0')}`,
        readOnly:
          eventName.startsWith('Get') ||
          eventName.startsWith('List') ||
          eventName.startsWith('Describe'),
        resources: [
          {
            accountId: ACCOUNT,
            type: 'AWS::SecretsManager::Secret',
            ARN: `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:gatewarden/gw-${r % 50}/apikey/p-AbCdEf`,
          },
        ],
        eventType: 'AwsApiCall',
        managementEvent: true,
        recipientAccountId: ACCOUNT,
        eventCategory: 'Management',
        tlsDetails: {
          tlsVersion: 'TLSv1.3',
          cipherSuite: 'TLS_AES_128_GCM_SHA256',
          clientProvidedHostHeader: `${eventSource.split('.')[0]}.us-east-1.amazonaws.com`,
        },
      };
    });
    written += count;
    const name = `${ACCOUNT}_CloudTrail_us-east-1_${day.toISOString().slice(0, 10).replace(/-/g, '')}T0000Z_${String(f).padStart(5, '0')}.json.gz`;
    await writeFile(join(dir, name), await gzipAsync(JSON.stringify({ Records: records })));
  }
  await writeFile(MARKER, params);
  process.stderr.write(
    `synthesized ${written} records in ${FILES} files in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
  );
}

/** Baseline: the same files, the same parallelism, only gunzip + JSON.parse. */
async function baseline(): Promise<{ seconds: number; records: number }> {
  const started = process.hrtime.bigint();
  const files = await listLogFiles(TRAIL);
  let records = 0;
  await forEachConcurrent(files, DEFAULT_FILE_CONCURRENCY, async (file) => {
    // Read first: `records += await …` would read `records` before the await and lose counts.
    const parsed = parseLogText(await readLogStream(createReadStream(file), true));
    records += parsed.length;
  });
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, records };
}

async function report(): Promise<{
  seconds: number;
  events: number;
  roles: number;
  findings: number;
}> {
  const started = process.hrtime.bigint();
  const result = await generateReport({
    iam: new AuthorizationDetailsFile(IAM),
    activity: new DirectoryActivitySource(TRAIL),
    catalog: new IamDataCatalog(),
  });
  // Rendering is part of the product's work, not of the baseline's.
  JSON.stringify(result);
  return {
    seconds: Number(process.hrtime.bigint() - started) / 1e9,
    events: result.sources.eventsRead,
    roles: result.roles.length,
    findings: result.findings.length,
  };
}

async function main(): Promise<void> {
  await synthesize();
  const files = (await listLogFiles(TRAIL)).length;
  const baselines: number[] = [];
  const reports: Awaited<ReturnType<typeof report>>[] = [];
  const cpu = { baseline: [] as number[], report: [] as number[] };
  const cpuSeconds = (from: NodeJS.CpuUsage) => {
    const used = process.cpuUsage(from);
    return (used.user + used.system) / 1e6;
  };
  // Three rounds, alternating which goes first; the best of each is kept, which damps the
  // noise of a shared machine. CPU seconds (all threads, gunzip included) go to stderr.
  for (let round = 0; round < ROUNDS; round++) {
    const runBaseline = async () => {
      const c = process.cpuUsage();
      const b = await baseline();
      cpu.baseline.push(cpuSeconds(c));
      baselines.push(b.seconds);
      return b;
    };
    const runReport = async () => {
      const c = process.cpuUsage();
      const r = await report();
      cpu.report.push(cpuSeconds(c));
      reports.push(r);
      return r;
    };
    const [b, r] =
      round % 2 === 0
        ? [await runBaseline(), await runReport()]
        : await runReport().then(async (r2) => [await runBaseline(), r2] as const);
    if (r.events !== b.records)
      throw new Error(`report read ${r.events} records, baseline ${b.records}`);
    process.stderr.write(
      `round ${round + 1}: baseline ${b.seconds.toFixed(2)} s (cpu ${cpu.baseline.at(-1)?.toFixed(2)} s), report ${r.seconds.toFixed(2)} s (cpu ${cpu.report.at(-1)?.toFixed(2)} s); ${r.roles} roles, ${r.findings} findings\n`,
    );
  }
  process.stderr.write(
    `cpu ratio (best of each): ${(Math.min(...cpu.report) / Math.min(...cpu.baseline)).toFixed(3)}\n`,
  );
  const baselineS = Math.min(...baselines);
  const wallS = Math.min(...reports.map((r) => r.seconds));
  const last = reports[reports.length - 1];
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(
    `${JSON.stringify({
      bench: 'report',
      events: last?.events ?? 0,
      files,
      roles: last?.roles ?? 0,
      wallS: Number(wallS.toFixed(3)),
      baselineS: Number(baselineS.toFixed(3)),
      ratio: Number((wallS / baselineS).toFixed(3)),
      peakRssMb: Number(peakRssMb.toFixed(1)),
    })}\n`,
  );
}

await main();
