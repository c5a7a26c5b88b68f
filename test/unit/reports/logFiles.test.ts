import { mkdtemp, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DirectoryActivitySource, parseLogText } from '../../../lib/reports/logFiles.js';
import { UsageCollector } from '../../../lib/reports/UsageCollector.js';

const rec = (n: number) => ({
  eventTime: '2026-11-20T00:00:00Z',
  eventSource: 's3.amazonaws.com',
  eventName: 'GetObject',
  userIdentity: { type: 'IAMUser', arn: `arn:aws:iam::1:user/u${n}` },
});

describe('parseLogText', () => {
  it.each([
    ['CloudTrail {"Records":[…]}', JSON.stringify({ Records: [rec(1), rec(2)] })],
    ['a JSON array', JSON.stringify([rec(1), rec(2)])],
    ['JSON lines', `${JSON.stringify(rec(1))}\n${JSON.stringify(rec(2))}\n`],
  ])('reads %s', (_label, text) => {
    expect(parseLogText(text)).toHaveLength(2);
  });
});

describe('DirectoryActivitySource', () => {
  it('reads .json and .json.gz recursively and reports bad files without their content', async () => {
    // Prepare
    const dir = await mkdtemp(join(tmpdir(), 'gw-trail-'));
    await mkdir(join(dir, 'a/b'), { recursive: true });
    await writeFile(join(dir, 'a/one.json'), JSON.stringify({ Records: [rec(1)] }));
    await writeFile(
      join(dir, 'a/b/two.json.gz'),
      gzipSync(JSON.stringify({ Records: [rec(2), rec(3)] })),
    );
    await writeFile(
      join(dir, 'a/b/broken.json'),
      '{"Records": [ {"secretString": "CANARY-broken-file"',
    );
    await writeFile(join(dir, 'a/b/notgzip.json.gz'), 'plain text');
    await writeFile(join(dir, 'README.txt'), 'ignored');
    await mkdir(join(dir, 'CloudTrail-Digest'), { recursive: true });
    await writeFile(join(dir, 'CloudTrail-Digest/d.json.gz'), gzipSync('{"digestStartTime":"x"}'));
    await writeFile(join(dir, 'a/digest-elsewhere.json'), '{"digestStartTime":"x","logFiles":[]}');
    const collector = new UsageCollector();
    // Act
    const { issues } = await new DirectoryActivitySource(dir).collect(
      { from: new Date(0), to: new Date() },
      collector,
    );
    // Assess
    expect(collector.principals.size).toBe(3);
    expect(issues.map((i) => [i.input.slice(dir.length), i.reason])).toEqual(
      expect.arrayContaining([
        ['/a/b/broken.json', expect.stringMatching(/not valid JSON/)],
        ['/a/b/notgzip.json.gz', 'not valid gzip'],
      ]),
    );
    expect(JSON.stringify(issues)).not.toContain('CANARY');
    expect(issues).toHaveLength(2);
  });

  it('fails clearly when the directory does not exist', async () => {
    await expect(
      new DirectoryActivitySource('/nonexistent/trail').collect(
        { from: new Date(0), to: new Date() },
        new UsageCollector(),
      ),
    ).rejects.toThrow(/does not exist/);
  });
});
