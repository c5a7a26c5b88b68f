/**
 * The tool report's files, streamed to disk as `gatewarden tools --out DIR` writes them, are
 * byte for byte the files the report was rendered as when each was one string (golden files
 * made from the fixture before the rendering was streamed), and the in-memory files the
 * scheduled report uploads are the same bytes.
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toolReportFiles, writeToolReportFiles } from '../../../lib/tools/files.js';
import { toolsJsonChunks } from '../../../lib/tools/render/json.js';
import { buildToolReport } from '../../../lib/tools/report.js';
import { sampleInvokeRecord } from '../../../lib/tools/sampleRecord.js';
import { ToolUsageCollector } from '../../../lib/tools/ToolUsageCollector.js';
import { writeTextStream } from '../../../lib/shared/writeTextStream.js';
import { fixtureToolReport } from '../../support/toolReportFixture.js';

const GOLDEN = join(import.meta.dirname, '../../fixtures/tools/golden');

describe('streamed tool report files', () => {
  it('are byte for byte the files rendered as whole strings before', async () => {
    // Prepare
    const report = fixtureToolReport();
    const out = mkdtempSync(join(tmpdir(), 'gw-tools-stream-'));
    // Act
    const written = await writeToolReportFiles(report, out);
    // Assess
    const golden = readdirSync(GOLDEN).sort();
    expect([...written].sort()).toEqual(golden);
    expect(readdirSync(out).sort()).toEqual(golden);
    for (const name of golden)
      expect([
        name,
        readFileSync(join(out, name)).equals(readFileSync(join(GOLDEN, name))),
      ]).toEqual([name, true]);
    for (const file of toolReportFiles(report))
      expect([file.name, file.body]).toEqual([
        file.name,
        readFileSync(join(GOLDEN, file.name), 'utf8'),
      ]);
  });

  it('the JSON is JSON.stringify of the report, and its principals come one at a time', () => {
    // Prepare
    const report = fixtureToolReport();
    // Act
    const chunks = [...toolsJsonChunks(report)];
    // Assess
    expect(chunks.join('')).toBe(`${JSON.stringify(report, null, 2)}\n`);
    const principals = report.gateways.reduce((n, g) => n + (g.access?.principals.length ?? 0), 0);
    expect(principals).toBeGreaterThan(50);
    expect(chunks.length).toBeGreaterThan(principals);
    // No piece holds two principals (only their rows have "kind") nor two refusals.
    const most = (key: string) => Math.max(...chunks.map((c) => c.split(key).length - 1));
    expect(most('"kind": ')).toBe(1);
    expect(most('"count": ')).toBe(1);
  });

  it('subjects and tools that spell the list markers cannot cut the JSON at the wrong place', () => {
    // Prepare: names shaped like the streamed lists' markers, raw and quoted, with NUL.
    const gatewayArn = 'arn:aws:bedrock-agentcore:us-east-1:111122223333:gateway/gw-mark';
    const collector = new ToolUsageCollector();
    const odd = [
      '\u0000principals\u0000',
      '"\u0000principals\u0000"',
      '\\u0000policyRefusals\\u0000',
      '\u0000gateways\u0000',
    ];
    for (const [i, sub] of odd.entries())
      collector.addRecord(
        sampleInvokeRecord({
          gatewayArn,
          tool: `t___${odd[(i + 1) % odd.length]}`,
          targetId: 'T',
          claims: { sub },
          time: '2026-12-01T00:00:00Z',
          error: { code: -32002, message: 'Tool call not authorized by policy' },
        }),
      );
    const report = buildToolReport(collector, [], {
      issues: [{ input: '\u0000gateways\u0000', reason: '"\u0000gateways\u0000"' }],
    });
    // Act
    const text = [...toolsJsonChunks(report)].join('');
    // Assess
    expect(text).toBe(`${JSON.stringify(report, null, 2)}\n`);
    expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(report)));
  });

  it('waits for the disk when the stream is full, and keeps every piece in order', async () => {
    // Prepare: pieces far beyond the write stream's buffer.
    const out = join(mkdtempSync(join(tmpdir(), 'gw-tools-stream-')), 'big.txt');
    const pieces = function* (): Generator<string> {
      for (let i = 0; i < 200_000; i++) yield `${i} ü\n`;
    };
    // Act
    const bytes = await writeTextStream(out, pieces());
    // Assess
    const expected = [...pieces()].join('');
    expect(readFileSync(out, 'utf8')).toBe(expected);
    expect(bytes).toBe(Buffer.byteLength(expected));
  });

  it('a file that cannot be written rejects, naming no content', async () => {
    const missing = join(tmpdir(), 'gw-tools-no-such-dir', 'x', 'tools.json');
    await expect(writeTextStream(missing, ['secret-ish text'])).rejects.toThrow(/ENOENT/);
  });
});
