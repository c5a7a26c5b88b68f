/**
 * `gatewarden tools` with an aggregating source: exactly one source of data events, and every
 * value that would reach Athena, Lake or the SQL checked before anything is sent (exit 2 with
 * the command's help). The query exchange itself runs against the local stack in
 * test/integration/reports/toolUsageQuery.test.ts.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../support/cli.js';

const out = () => join(mkdtempSync(join(tmpdir(), 'gw-tools-q-')), 'out');

describe('gatewarden tools: --athena / --lake input', () => {
  it.each([
    ['no source', []],
    ['two sources', ['--athena', 'security.cloudtrail', '--lake', 'eds-1']],
  ])('%s is a usage error', async (_name, args) => {
    const trail = join(mkdtempSync(join(tmpdir(), 'gw-tools-q-')), 't.json');
    writeFileSync(trail, '{"Records":[]}');
    const run = await runCli([
      'tools',
      ...(args.length === 0 ? [] : args),
      ...(args.length > 0 ? ['--trail', trail] : []),
      '--out',
      out(),
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('give one source of data events: --trail, --athena or --lake');
  });

  it.each([
    ['--athena', 'security.cloudtrail;DROP', /--athena takes DATABASE\.TABLE/],
    ['--workgroup', "primary' OR 1", /workgroup/],
    ['--athena-output', 's3://Bad Bucket/', /s3:\/\/bucket\/prefix/],
    ['--lake', "eds'; DROP", /event data store must be an id or ARN/],
    ['--days', '0', /whole number of days/],
  ])('refuses %s %j before any call', async (option, value, message) => {
    const args =
      option === '--lake' ? [option, value] : ['--athena', 'security.cloudtrail', option, value];
    const run = await runCli(
      ['tools', ...(option === '--athena' ? [option, value] : args), '--out', out()],
      // Nothing listens here: a request sent would fail differently.
      { AWS_ENDPOINT_URL: 'http://127.0.0.1:9' },
    );
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).not.toMatch(/ECONNREFUSED|socket/i);
  });
});
