import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { parseDetectionConfig } from '../../../lib/detection/config.js';
import { readItems, unwrapRecords, walkInputs } from '../../../lib/detection/input.js';
import { replay } from '../../../lib/detection/replay.js';
import type { Finding } from '../../../lib/detection/types.js';

/**
 * Input honesty: every shape records really come in is read, and what cannot be read says
 * which file and why; an input with nothing in it is not a silent success.
 */

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const CLI = join(ROOT, 'bin/gatewarden.js');
const run = promisify(execFile);

type Json = Record<string, unknown>;

/** A StopLogging record (cloudtrail-stopped fires on it) in the shape CloudTrail writes. */
function stopLogging(i: number): Json {
  return {
    eventVersion: '1.11',
    userIdentity: {
      type: 'AssumedRole',
      principalId: 'AROAEXAMPLEID01200:bob@example.com',
      arn: 'arn:aws:sts::111122223333:assumed-role/developer/bob@example.com',
      accountId: '111122223333',
      accessKeyId: 'ASIAEXAMPLEKEYID0001',
      sessionContext: {
        sessionIssuer: {
          type: 'Role',
          principalId: 'AROAEXAMPLEID01200',
          arn: 'arn:aws:iam::111122223333:role/developer',
          accountId: '111122223333',
          userName: 'developer',
        },
        attributes: { creationDate: '2026-11-20T08:55:12Z', mfaAuthenticated: 'false' },
      },
    },
    eventTime: `2026-11-20T10:${String(10 + i).padStart(2, '0')}:00Z`,
    eventSource: 'cloudtrail.amazonaws.com',
    eventName: 'StopLogging',
    awsRegion: 'us-east-1',
    sourceIPAddress: '203.0.113.24',
    userAgent: 'aws-cli/2.22.35 md/command#cloudtrail.stop-logging',
    requestParameters: { name: `arn:aws:cloudtrail:us-east-1:111122223333:trail/trail-${i}` },
    responseElements: null,
    requestID: `5d1c0f3e-2b7a-4c1e-9f0d-00000000000${i}`,
    eventID: `8e2d1a4f-3c8b-4d2f-a01e-00000000000${i}`,
    readOnly: false,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: '111122223333',
    eventCategory: 'Management',
  };
}

/** `aws cloudtrail lookup-events` output: the record is a JSON string in `CloudTrailEvent`. */
function lookupEventsExport(records: Json[]): Json {
  return {
    Events: records.map((r) => ({
      EventId: r.eventID,
      EventName: r.eventName,
      ReadOnly: 'false',
      AccessKeyId: 'ASIAEXAMPLEKEYID0001',
      EventTime: r.eventTime,
      EventSource: r.eventSource,
      Username: 'bob@example.com',
      Resources: [{ ResourceType: 'AWS::CloudTrail::Trail', ResourceName: 'trail' }],
      CloudTrailEvent: JSON.stringify(r),
    })),
    NextToken: 'eyJOZXh0VG9rZW4iOiBudWxsfQ==',
  };
}

function envelope(record: Json): Json {
  return {
    version: '0',
    id: `c1a2b3c4-0000-4000-8000-${String(record.eventID).slice(-12)}`,
    'detail-type': 'AWS API Call via CloudTrail',
    source: 'aws.cloudtrail',
    account: '111122223333',
    time: record.eventTime,
    region: 'us-east-1',
    resources: [],
    detail: record,
  };
}

async function replayPaths(paths: string[]) {
  const findings: Finding[] = [];
  const warnings: string[] = [];
  const summary = await replay({
    paths,
    config: parseDetectionConfig({}),
    onFinding: (f) => findings.push(f),
    onWarning: (w) => warnings.push(w),
  });
  return { findings, warnings, summary };
}

const dir = mkdtempSync(join(tmpdir(), 'gw-honest-'));
const write = (name: string, text: string | Buffer) => {
  const path = join(dir, name);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  return path;
};

describe('input shapes', () => {
  it.each([
    [
      'a LookupEvents export ({"Events":[{"CloudTrailEvent":"…"}]}), newest first',
      () =>
        write(
          'lookup.json',
          JSON.stringify(lookupEventsExport([stopLogging(2), stopLogging(1)]), null, 2),
        ),
    ],
    [
      'an SQS event of EventBridge envelopes (the detect function’s own input)',
      () =>
        write(
          'sqs-event.json',
          JSON.stringify({
            Records: [stopLogging(1), stopLogging(2)].map((r, i) => ({
              messageId: `059f36b4-87a3-44ab-83d2-66197546148${i}`,
              receiptHandle: 'AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a...',
              body: JSON.stringify(envelope(r)),
              attributes: { ApproximateReceiveCount: '1', SentTimestamp: '1795687200000' },
              messageAttributes: {},
              md5OfBody: 'e4e68fb7bd0e697a0ae8f1bb342846b3',
              eventSource: 'aws:sqs',
              eventSourceARN: 'arn:aws:sqs:us-east-1:111122223333:gatewarden-detect',
              awsRegion: 'us-east-1',
            })),
          }),
        ),
    ],
    [
      'aws sqs receive-message output ({"Messages":[{"Body":"…"}]})',
      () =>
        write(
          'receive-message.json',
          JSON.stringify({
            Messages: [stopLogging(1), stopLogging(2)].map((r, i) => ({
              MessageId: `059f36b4-87a3-44ab-83d2-66197546149${i}`,
              ReceiptHandle: 'AQEBzWwaftRI0KuVm4tP+/7q1rGgNqicHq...',
              MD5OfBody: 'e4e68fb7bd0e697a0ae8f1bb342846b3',
              Body: JSON.stringify(envelope(r)),
            })),
          }),
        ),
    ],
    [
      'a delivery file whose Records key is not first',
      () =>
        write(
          'records-last.json',
          `{"source":"export","count":2,"meta":{"nested":[1,2,{"Records":"no"}]},"Records":${JSON.stringify([stopLogging(1), stopLogging(2)])},"after":{"x":[1]}}`,
        ),
    ],
  ])('reads %s', async (_name, make) => {
    // Act
    const { findings, summary } = await replayPaths([make()]);
    // Assess
    expect(summary).toMatchObject({ records: 2, malformed: 0 });
    expect(findings.map((f) => f.eventName)).toEqual(['StopLogging', 'StopLogging']);
    expect(findings[0]?.eventTime).toBe('2026-11-20T10:11:00Z');
  });

  it('streams a large file whose Records key is not first (elements one by one, never the whole file)', async () => {
    // Prepare: ~30 MB, with the Records array after a long first key.
    const records = Array.from({ length: 12_000 }, (_, i) => ({
      ...stopLogging(1),
      eventID: `big-${i}`,
      requestParameters: { name: 'trail', pad: 'x'.repeat(2_000) },
    }));
    const file = write(
      'big.json',
      `{"exportedBy":"${'y'.repeat(1000)}","Records":${JSON.stringify(records)}}`,
    );
    // Act: count batches and the largest one; a whole-file parse would be one batch.
    let batches = 0;
    let count = 0;
    for await (const batch of readItems(file)) {
      batches++;
      for (const item of batch) if (item.ok) count += unwrapRecords(item.value).length;
    }
    // Assess
    expect(count).toBe(12_000);
    expect(batches).toBeGreaterThan(50);
  });
});

describe('what cannot be read says which file and why', () => {
  it.each([
    [
      'a truncated gzip',
      'trail-truncated.json.gz',
      gzipSync(JSON.stringify({ Records: [stopLogging(1)] })).subarray(0, 40),
    ],
    [
      'a .gz file that is not gzip',
      'trail-not-gzip.json.gz',
      Buffer.from('\u0000\u0001garbage that is not gzip'),
    ],
    [
      'a corrupt gzip body',
      'trail-corrupt.json.gz',
      Buffer.concat([Buffer.from([0x1f, 0x8b, 0x08, 0x00]), Buffer.alloc(64, 0xff)]),
    ],
  ])('%s names the file and says "not gzip / truncated"', async (_name, file, bytes) => {
    // Prepare
    const path = write(join('gz', file), bytes);
    // Act
    const { summary, warnings } = await replayPaths([path]);
    // Assess
    expect(summary.unreadable).toHaveLength(1);
    expect(summary.unreadable[0]?.reason).toContain(path);
    expect(summary.unreadable[0]?.reason).toContain('not gzip / truncated');
    expect(warnings.join('\n')).not.toMatch(/Z_BUF_ERROR|Z_DATA_ERROR/);
  });

  it('detects a symlink loop and does not follow it', async () => {
    // Prepare: logs/a/back -> logs (a loop), plus one real file.
    const logs = join(dir, 'loop', 'logs');
    mkdirSync(join(logs, 'a'), { recursive: true });
    writeFileSync(join(logs, 'a', 'trail.json'), JSON.stringify({ Records: [stopLogging(1)] }));
    symlinkSync(logs, join(logs, 'a', 'back'));
    const skipped: string[] = [];
    // Act
    const files: string[] = [];
    for await (const file of walkInputs([logs], { onSkip: (m) => skipped.push(m) })) {
      files.push(file);
    }
    const { findings, warnings } = await replayPaths([logs]);
    // Assess
    expect(files).toEqual([join(logs, 'a', 'trail.json')]);
    expect(skipped.join('\n')).toContain('symlink loop');
    expect(findings).toHaveLength(1);
    expect(warnings.join('\n')).toContain(join(logs, 'a', 'back'));
  });
});

describe('gatewarden detect exit status', () => {
  const good = write('exit/good.json', JSON.stringify({ Records: [stopLogging(1)] }));
  const empty = write(
    'exit/not-cloudtrail.json',
    JSON.stringify({ Step: 'createSecret', SecretId: 'x' }),
  );
  const mixed = join(dir, 'exit');

  it.each([
    ['an input with records: exit 0', [good], [], 0],
    ['an input that yields no valid record: exit 1', [empty], [], 1],
    ['a file that yields no valid record beside one that does: exit 1', [good, empty], [], 1],
    ['a folder with a non-CloudTrail file beside records: exit 0', [mixed], [], 0],
    ['the same folder with --strict: exit 1', [mixed], ['--strict'], 1],
  ])('%s', async (_name, paths, flags, code) => {
    // Act
    const result = await run(process.execPath, [CLI, 'detect', ...flags, ...paths]).then(
      (r) => ({ code: 0, stderr: r.stderr }),
      (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
    );
    // Assess
    expect(result.code).toBe(code);
    if (code === 1) expect(result.stderr).toContain('no valid CloudTrail record');
  });
});
