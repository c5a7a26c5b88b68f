import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { parseDetectionConfig } from '../../../lib/detection/config.js';
import { readItems, unwrapRecords, walkInputs } from '../../../lib/detection/input.js';
import { validateRecord } from '../../../lib/detection/record.js';
import { replay } from '../../../lib/detection/replay.js';
import { recordsInTimeOrder } from '../../../lib/detection/timeOrder.js';
import type { Finding } from '../../../lib/detection/types.js';
import { RULES_DIR } from './fixtureSupport.js';

/**
 * Replay is the live stream: whatever order files are named in and records are written in,
 * the engine sees the records in event-time order and reports the same findings.
 */

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const FIXTURES = join(ROOT, 'test/fixtures/cloudtrail');
const EVENTS = join(ROOT, 'events');

type Json = Record<string, unknown>;

/** A small seeded PRNG (mulberry32), so shuffles and generated streams are reproducible. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffle<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** Every valid CloudTrail record under `paths`, as written (not yet in any order). */
async function recordsUnder(paths: string[]): Promise<Json[]> {
  const out: Json[] = [];
  for await (const file of walkInputs(paths)) {
    try {
      for await (const batch of readItems(file)) {
        for (const item of batch) {
          if (!item.ok) continue;
          for (const raw of unwrapRecords(item.value)) {
            if (validateRecord(raw).ok) out.push(raw as Json);
          }
        }
      }
    } catch {
      // Unreadable fixtures (on purpose) hold no record to reorder.
    }
  }
  return out;
}

const timeOf = (r: Json) => Date.parse(String(r.eventTime));

type Layout = 'ascending' | 'descending' | 'shuffled' | 'interleaved';

/**
 * Writes `records` as files under a fresh directory. The file names sort in the order the
 * layout wants the reader to meet them: oldest first, newest first (records inside newest
 * first too, as LookupEvents exports are), shuffled files of shuffled records, or every
 * file spanning the whole period.
 */
function writeLayout(records: Json[], layout: Layout, perFile: number, seed = 7): string {
  const dir = mkdtempSync(join(tmpdir(), `gw-order-${layout}-`));
  const random = prng(seed);
  const sorted = [...records].sort((a, b) => timeOf(a) - timeOf(b));
  let chunks: Json[][] = [];
  if (layout === 'interleaved') {
    const n = Math.max(1, Math.ceil(sorted.length / perFile));
    chunks = Array.from({ length: n }, () => []);
    for (const r of shuffle(sorted, random)) chunks[Math.floor(random() * n)]?.push(r);
  } else {
    for (let i = 0; i < sorted.length; i += perFile) chunks.push(sorted.slice(i, i + perFile));
    if (layout === 'descending') chunks = chunks.reverse().map((c) => [...c].reverse());
    if (layout === 'shuffled') chunks = shuffle(chunks, random).map((c) => shuffle(c, random));
  }
  chunks.forEach((chunk, i) => {
    const name = `f${String(i).padStart(5, '0')}`;
    // A mix of shapes: S3 delivery files (some gzip) and JSON lines.
    if (i % 3 === 0) {
      writeFileSync(join(dir, `${name}.json.gz`), gzipSync(JSON.stringify({ Records: chunk })));
    } else if (i % 3 === 1) {
      writeFileSync(join(dir, `${name}.json`), JSON.stringify({ Records: chunk }));
    } else {
      writeFileSync(join(dir, `${name}.jsonl`), chunk.map((r) => JSON.stringify(r)).join('\n'));
    }
  });
  return dir;
}

async function findingsOf(paths: string[], baselineDays = 0): Promise<Finding[]> {
  const findings: Finding[] = [];
  await replay({
    paths,
    config: parseDetectionConfig({}),
    baselineDays,
    onFinding: (f) => findings.push(f),
    onWarning: () => undefined,
  });
  return findings;
}

const brief = (findings: Finding[]) =>
  findings.map((f) => `${f.ruleId} ${f.eventId} ${f.severity}`);

describe('replay order (the same records in any file order give the same findings)', () => {
  it('gatewarden detect events/ gives the critical finding of detect.updateGateway.json alone', async () => {
    // Act
    const alone = await findingsOf([join(EVENTS, 'detect.updateGateway.json')]);
    const all = await findingsOf([EVENTS]);
    // Assess
    const critical = alone.filter((f) => f.severity === 'critical');
    expect(critical.map((f) => f.ruleId)).toEqual(['gateway-auth-weakened']);
    expect(brief(all)).toEqual(expect.arrayContaining(brief(critical)));
  });

  it('learns only when --baseline-days > 0, from the earliest record whatever is read first', async () => {
    // Prepare: the newest file is read first.
    const records = await recordsUnder([EVENTS]);
    const descending = writeLayout(records, 'descending', 1);
    // Act
    const none = await findingsOf([descending], 0);
    const trained = await findingsOf([descending], 1);
    // Assess
    expect(none.some((f) => f.severity === 'critical')).toBe(true);
    expect(trained).toEqual([]);
  });

  describe.each([
    ['events/ and test/fixtures/cloudtrail', [EVENTS, FIXTURES], 5],
    ['the attack scenario', [join(FIXTURES, 'attack')], 4],
    ['every rule fixture record', [], 3],
  ])('on %s', (_name, paths, perFile) => {
    let records: Json[];
    let reference: Finding[];

    beforeAll(async () => {
      records = paths.length > 0 ? await recordsUnder(paths) : ruleFixtureRecords();
      reference = await findingsOf([writeLayout(records, 'ascending', perFile)]);
    });

    it('finds something to compare', () => {
      expect(records.length).toBeGreaterThan(20);
      expect(reference.length).toBeGreaterThan(0);
    });

    it.each(['descending', 'shuffled', 'interleaved'] as const)(
      '%s files give the findings of ascending files',
      async (layout) => {
        // Act
        const findings = await findingsOf([writeLayout(records, layout, perFile)]);
        // Assess: the same findings, in the same (event-time) order, field for field.
        expect(findings).toEqual(reference);
      },
    );
  });

  it('holds only the files whose periods overlap the instant being merged (bounded memory)', async () => {
    // Prepare: 60 files of disjoint periods, named in shuffled order.
    const dir = writeLayout(generatedStream(6_000, 5), 'shuffled', 100, 3);
    const files: string[] = [];
    for await (const file of walkInputs([dir])) files.push(file);
    let open = 0;
    let most = 0;
    let previous = Number.NEGATIVE_INFINITY;
    let outOfOrder = 0;
    // Act
    for await (const record of recordsInTimeOrder(files, {
      onLoad: () => {
        open++;
        most = Math.max(most, open);
      },
      onDone: () => open--,
    })) {
      const at = Date.parse(record.eventTime);
      if (at < previous) outOfOrder++;
      previous = at;
    }
    // Assess
    expect(files).toHaveLength(60);
    expect(outOfOrder).toBe(0);
    expect(most).toBeLessThanOrEqual(2);
  });

  it('a generated 100k-record stream gives the same findings in ascending, descending and shuffled files', async () => {
    // Prepare
    const records = generatedStream(100_000, 11);
    const ascending = writeLayout(records, 'ascending', 1000);
    const descending = writeLayout(records, 'descending', 1000);
    const shuffled = writeLayout(records, 'shuffled', 1000, 23);
    // Act
    const a = await findingsOf([ascending]);
    const d = await findingsOf([descending]);
    const s = await findingsOf([shuffled]);
    // Assess
    expect(a.length).toBeGreaterThan(50);
    expect(brief(d)).toEqual(brief(a));
    expect(brief(s)).toEqual(brief(a));
    expect(d).toEqual(a);
  }, 240_000);
});

/** The records of every rule fixture case, each case moved to its own hour so cases do not mix. */
function ruleFixtureRecords(): Json[] {
  const out: Json[] = [];
  let hour = 0;
  for (const name of readdirSync(RULES_DIR).filter((n) => n.endsWith('.fixtures.json'))) {
    const file = JSON.parse(readFileSync(join(RULES_DIR, name), 'utf8')) as {
      cases: { name: string; config?: unknown; records: Json[] }[];
    };
    for (const c of file.cases) {
      // Cases with their own configuration describe another deployment; skip them here.
      if (c.config !== undefined) continue;
      hour++;
      const base = Date.parse('2027-01-01T00:00:00Z') + hour * 3_600_000 * 30;
      const first = Math.min(...c.records.map(timeOf).filter((t) => !Number.isNaN(t)));
      c.records.forEach((r, i) => {
        if (validateRecord(r).ok) {
          out.push({
            ...r,
            eventID: `${name}#${c.name}#${i}`,
            eventTime: new Date(base + (timeOf(r) - first)).toISOString(),
          });
        }
      });
    }
  }
  return out;
}

/**
 * A mixed stream: background calls by a few roles, bursts of denied calls, secret reads by
 * people, gateway changes, trail stops: enough for thresholds, spikes, baselines and dedup
 * windows to matter. Times strictly increase, with ties on purpose every so often.
 */
function generatedStream(count: number, seed: number): Json[] {
  const random = prng(seed);
  const roles = ['app-a', 'app-b', 'ci-deploy', 'platform-admin', 'data-reader', 'intruder'];
  const ips = ['198.51.100.7', '198.51.100.8', '203.0.113.40', '192.0.2.55'];
  const agents = ['aws-cli/2.15.0', 'Boto3/1.34.0', 'aws-sdk-js/3.600.0'];
  const out: Json[] = [];
  let t = Date.parse('2026-10-01T00:00:00Z');
  for (let i = 0; i < count; i++) {
    if (i % 7 !== 0) t += Math.floor(random() * 8_000);
    const role = roles[Math.floor(random() * roles.length)] ?? 'app-a';
    const pick = random();
    const base: Json = {
      eventVersion: '1.11',
      eventID: `gen-${seed}-${i}`,
      eventTime: new Date(t).toISOString(),
      awsRegion: 'us-east-1',
      sourceIPAddress: ips[Math.floor(random() * ips.length)],
      userAgent: agents[Math.floor(random() * agents.length)],
      recipientAccountId: '111122223333',
      userIdentity: {
        type: 'AssumedRole',
        principalId: `AROAGEN${role.length}:s${i % 5}`,
        arn: `arn:aws:sts::111122223333:assumed-role/${role}/s${i % 5}`,
        accountId: '111122223333',
        sessionContext: {
          sessionIssuer: {
            type: 'Role',
            arn: `arn:aws:iam::111122223333:role/${role}`,
            accountId: '111122223333',
            userName: role,
          },
        },
      },
    };
    if (pick < 0.55) {
      out.push({ ...base, eventSource: 'iam.amazonaws.com', eventName: 'GetRole', readOnly: true });
    } else if (pick < 0.7) {
      out.push({
        ...base,
        eventSource: 'secretsmanager.amazonaws.com',
        eventName: 'GetSecretValue',
        requestParameters: { secretId: `gatewarden/gw-${i % 9}/apiKey/p${i % 4}` },
      });
    } else if (pick < 0.8) {
      out.push({
        ...base,
        eventSource: 's3.amazonaws.com',
        eventName: 'GetObject',
        errorCode: 'AccessDenied',
      });
    } else if (pick < 0.9) {
      out.push({
        ...base,
        eventSource: 'bedrock-agentcore.amazonaws.com',
        eventName: i % 2 === 0 ? 'UpdateGateway' : 'GetGateway',
        readOnly: i % 2 !== 0,
        requestParameters: {
          gatewayIdentifier: `gw-${i % 9}`,
          ...(i % 2 === 0 ? { authorizerType: i % 50 === 0 ? 'NONE' : 'CUSTOM_JWT' } : {}),
        },
      });
    } else if (pick < 0.97) {
      out.push({
        ...base,
        eventSource: 'secretsmanager.amazonaws.com',
        eventName: 'DeleteSecret',
        requestParameters: { secretId: `scratch/${i}` },
      });
    } else {
      out.push({
        ...base,
        eventSource: 'cloudtrail.amazonaws.com',
        eventName: 'StopLogging',
        requestParameters: { name: `arn:aws:cloudtrail:us-east-1:111122223333:trail/t${i % 3}` },
      });
    }
  }
  return out;
}
