import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { InputReadError } from '../../../lib/detection/errors.js';
import {
  JsonStreamScanner,
  readItems,
  unwrapRecords,
  walkInputs,
  type InputItem,
} from '../../../lib/detection/input.js';

const record = (i: number) => ({
  eventVersion: '1.11',
  eventID: `e-${i}`,
  eventTime: '2026-11-20T10:00:00Z',
  eventSource: 'iam.amazonaws.com',
  eventName: 'GetRole',
  userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::111122223333:user/a' },
  requestParameters: { note: 'braces } ] { [ and "quotes" and \\ and , inside strings' },
});

/** Feeds `text` to a scanner in chunks of `size` characters. */
function scan(text: string, size: number): InputItem[] {
  const scanner = new JsonStreamScanner();
  const out: InputItem[] = [];
  for (let i = 0; i < text.length; i += size) out.push(...scanner.push(text.slice(i, i + size)));
  out.push(...scanner.end());
  return out;
}

const values = (items: InputItem[]) => items.map((item) => (item.ok ? item.value : item.reason));

describe('JsonStreamScanner', () => {
  const records = [record(1), record(2), record(3)];
  const shapes: [string, string][] = [
    ['S3 delivery file', JSON.stringify({ Records: records })],
    ['pretty delivery file', JSON.stringify({ Records: records }, null, 2)],
    ['JSON array', JSON.stringify(records)],
    ['JSON lines', records.map((r) => JSON.stringify(r)).join('\n') + '\n'],
    [
      'JSON lines with CRLF and blank lines',
      records.map((r) => JSON.stringify(r)).join('\r\n\r\n'),
    ],
    ['concatenated pretty objects', records.map((r) => JSON.stringify(r, null, 2)).join('\n')],
  ];

  it.each(
    shapes.flatMap(([name, text]) =>
      [1, 7, 64, 100_000].map((size) => [name, size, text] as const),
    ),
  )('%s split in chunks of %d gives each record once', (_name, size, text) => {
    // Act
    const items = scan(text, size);
    // Assess
    expect(values(items)).toEqual(records);
  });

  it('reports a broken JSON line and keeps reading the next lines', () => {
    const text = [JSON.stringify(record(1)), '{"eventID": oops}', JSON.stringify(record(2))].join(
      '\n',
    );
    const items = scan(text, 5);
    expect(items.map((item) => item.ok)).toEqual([true, false, true]);
    expect(items[1]).toEqual({ ok: false, reason: 'element 2: invalid JSON' });
  });

  it('does not let a truncated line swallow the following lines', () => {
    const full = JSON.stringify(record(1));
    const text = [full.slice(0, 40), JSON.stringify(record(2)), JSON.stringify(record(3))].join(
      '\n',
    );
    const items = scan(text, 3);
    expect(items.filter((item) => item.ok)).toHaveLength(2);
    expect(items.filter((item) => !item.ok)).toHaveLength(1);
  });

  it('reports a delivery file that ends before its array closes', () => {
    const text = JSON.stringify({ Records: records }).slice(0, -60);
    const items = scan(text, 16);
    expect(items.filter((item) => item.ok)).toHaveLength(2);
    expect(items.at(-1)).toMatchObject({ ok: false, reason: expect.stringContaining('truncated') });
  });

  it('accepts an empty delivery file and an empty input', () => {
    expect(scan('{"Records":[]}', 4)).toEqual([]);
    expect(scan('', 4)).toEqual([]);
    expect(scan('  \n ', 4)).toEqual([]);
  });
});

describe('unwrapRecords', () => {
  it.each([
    [
      'an EventBridge envelope',
      {
        version: '0',
        'detail-type': 'AWS API Call via CloudTrail',
        source: 'aws.iam',
        detail: record(1),
      },
      [record(1)],
    ],
    ['a delivery object', { Records: [record(1), record(2)] }, [record(1), record(2)]],
    ['a bare record', record(1), [record(1)]],
    [
      'a CloudTrail digest file',
      {
        awsAccountId: '111122223333',
        digestStartTime: '2026-11-20T10:00:00Z',
        digestEndTime: '2026-11-20T11:00:00Z',
        logFiles: [],
      },
      [],
    ],
    ['a string', 'x', ['x']],
  ])('unwraps %s', (_name, value, expected) => {
    expect(unwrapRecords(value)).toEqual(expected);
  });
});

describe('readItems and walkInputs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gw-input-'));
  writeFileSync(
    join(dir, 'b.json.gz'),
    gzipSync(JSON.stringify({ Records: [record(1), record(2)] })),
  );
  writeFileSync(join(dir, 'a.jsonl'), `${JSON.stringify(record(3))}\n`);
  writeFileSync(join(dir, 'c.gz'), Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x01, 0x02]));

  it('walks directories recursively in sorted order', async () => {
    const files: string[] = [];
    for await (const file of walkInputs([dir])) files.push(file);
    expect(files.map((f) => f.slice(dir.length + 1))).toEqual(['a.jsonl', 'b.json.gz', 'c.gz']);
  });

  it('detects gzip by its magic bytes and streams the records', async () => {
    const items: InputItem[] = [];
    for await (const batch of readItems(join(dir, 'b.json.gz'))) items.push(...batch);
    expect(values(items)).toEqual([record(1), record(2)]);
  });

  it('throws InputReadError for a missing path and for a corrupt gzip', async () => {
    await expect(async () => {
      for await (const _ of walkInputs([join(dir, 'missing')])) void _;
    }).rejects.toBeInstanceOf(InputReadError);
    await expect(async () => {
      for await (const _ of readItems(join(dir, 'c.gz'))) void _;
    }).rejects.toBeInstanceOf(InputReadError);
  });
});
