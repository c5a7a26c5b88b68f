/**
 * `--trail` paths: files and folders (recursive), gzip and plain; a file that is not CloudTrail
 * JSON or not gzip is an issue named by file and reason, never by its content.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { sampleInvokeRecord } from '../../../lib/tools/sampleRecord.js';
import { collectTrailFiles, trailFilesOf } from '../../../lib/tools/trailFiles.js';
import { ToolUsageCollector } from '../../../lib/tools/ToolUsageCollector.js';

const GW = 'arn:aws:bedrock-agentcore:us-east-1:111122223333:gateway/gw-tf1';
const record = (sub: string) =>
  sampleInvokeRecord({
    gatewayArn: GW,
    tool: 'a___b',
    targetId: 'T',
    claims: { sub },
    time: '2026-12-01T00:00:00Z',
  });

describe('trail files', () => {
  it('reads files and folders, gz and plain, and names unreadable files without their content', async () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'gw-tools-trail-'));
    mkdirSync(join(dir, 'AWSLogs', 'x'), { recursive: true });
    writeFileSync(
      join(dir, 'AWSLogs', 'x', 'one.json.gz'),
      gzipSync(JSON.stringify({ Records: [record('u1')] })),
    );
    writeFileSync(
      join(dir, 'AWSLogs', 'x', 'two.json'),
      JSON.stringify({ Records: [record('u2')] }),
    );
    writeFileSync(join(dir, 'AWSLogs', 'x', 'bad.json'), '{"Records": [ SECRET-CONTENT-canary');
    writeFileSync(join(dir, 'AWSLogs', 'x', 'bad.json.gz'), 'not gzip');
    const single = join(dir, 'single.json');
    writeFileSync(single, JSON.stringify([record('u3')]));
    const collector = new ToolUsageCollector();
    // Act
    const files = await trailFilesOf([join(dir, 'AWSLogs'), single]);
    const { issues } = await collectTrailFiles(files, collector);
    // Assess
    expect(files).toHaveLength(5);
    const subs = [...(collector.gateways.get(GW)?.callers.values() ?? [])].map((c) =>
      c.caller.kind === 'oauth' ? c.caller.sub : '',
    );
    expect(subs.sort()).toEqual(['u1', 'u2', 'u3']);
    expect(issues.map((i) => i.reason).sort()).toEqual([
      'not valid JSON (expected CloudTrail {"Records":[...]})',
      'not valid gzip',
    ]);
    expect(JSON.stringify(issues)).not.toContain('canary');
  });

  it('a path that does not exist is an input error', async () => {
    await expect(trailFilesOf(['/nonexistent/gatewarden-trail'])).rejects.toThrow(/does not exist/);
  });
});
