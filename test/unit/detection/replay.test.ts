import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseDetectionConfig } from '../../../lib/detection/config.js';
import { replay } from '../../../lib/detection/replay.js';
import type { Finding } from '../../../lib/detection/types.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const FIXTURES = join(ROOT, 'test/fixtures/cloudtrail');
const run = promisify(execFile);

/**
 * The recorded account as deployed: its gateway was created before the recording starts, so
 * the operator lists the gateway's execution role (secretReaders); the rotator's role ARN is
 * what the stack gives the detect function (GATEWARDEN_ROTATOR_ROLE_ARN).
 */
const GATEWAY_ROLE = 'arn:aws:iam::111122223333:role/AgentCoreGatewayExecutionRole-orders';
const ROTATOR_ROLE = 'arn:aws:iam::111122223333:role/gatewarden-prod-rotate-role';
const DEPLOYED = { secretReaders: [GATEWAY_ROLE], rotatorPrincipals: [ROTATOR_ROLE] };

async function replayPaths(paths: string[], baselineDays = 0, configInput: unknown = DEPLOYED) {
  const findings: Finding[] = [];
  const warnings: string[] = [];
  const summary = await replay({
    paths,
    config: parseDetectionConfig(configInput),
    baselineDays,
    onFinding: (f) => findings.push(f),
    onWarning: (w) => warnings.push(w),
  });
  return { findings, warnings, summary };
}

describe('replay', () => {
  it('finds what an analyst expects in the attack scenario', async () => {
    const { findings, summary } = await replayPaths([join(FIXTURES, 'attack')]);
    expect(summary).toMatchObject({ files: 2, records: 91, malformed: 0 });
    expect(findings.map((f) => [f.ruleId, f.severity]).sort()).toEqual(
      [
        ['cloudtrail-stopped', 'critical'],
        ['gateway-auth-weakened', 'critical'],
        ['gateway-modified', 'low'],
        ['iam-admin-policy-attached', 'critical'],
        ['secret-read-by-unexpected-principal', 'high'],
      ].sort(),
    );
  });

  it('stays quiet on routine activity (gateway role, AgentCore and rotator reads, rotation)', async () => {
    const { findings, summary } = await replayPaths([join(FIXTURES, 'benign')]);
    expect(summary.records).toBe(87);
    expect(findings).toEqual([]);
  });

  it('without the deployment’s readers, its gateway and rotator roles are unknown: names are not trusted', async () => {
    const { findings } = await replayPaths([join(FIXTURES, 'benign')], 0, {});
    const readers = new Set(findings.map((f) => f.principal.split('/')[1]));
    // The rotator's secret reads and its provider updates are both unexpected from a name.
    expect(new Set(findings.map((f) => f.ruleId))).toEqual(
      new Set(['secret-read-by-unexpected-principal', 'credential-provider-changed']),
    );
    expect(readers).toEqual(
      new Set(['AgentCoreGatewayExecutionRole-orders', 'gatewarden-prod-rotate-role']),
    );
  });

  it.each([
    'delivery.json',
    'array.json',
    'lines.jsonl',
    'eventbridge-array.json',
    'eventbridge-lines.jsonl',
    'eventbridge-single.json',
  ])('reads the %s shape', async (file) => {
    const { findings, summary } = await replayPaths([join(FIXTURES, 'shapes', file)]);
    expect(summary.malformed).toBe(0);
    expect(findings.map((f) => f.eventName)).toEqual(['StopLogging']);
  });

  it('counts and skips malformed records, naming the file in one warning each', async () => {
    const { summary, warnings } = await replayPaths([join(FIXTURES, 'malformed')]);
    expect(summary.malformed).toBe(5);
    expect(summary.records).toBe(4);
    expect(summary.unreadable).toEqual([]);
    expect(warnings).toHaveLength(3);
    expect(warnings.join('\n')).toContain('mixed.jsonl: skipped 3 malformed records');
  });

  it('trains on the first N days without alerting (--baseline-days)', async () => {
    const { findings, summary } = await replayPaths([join(FIXTURES, 'attack')], 1);
    expect(summary.learned).toBe(91);
    expect(findings).toEqual([]);
  });

  it('ignores Insights events without calling them malformed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-insight-'));
    const insight = {
      eventVersion: '1.08',
      eventTime: '2026-11-20T10:00:00Z',
      awsRegion: 'us-east-1',
      eventID: 'insight-1',
      eventType: 'AwsCloudTrailInsight',
      recipientAccountId: '111122223333',
      sharedEventID: 'shared-1',
      insightDetails: {
        state: 'Start',
        eventSource: 'iam.amazonaws.com',
        eventName: 'GetRole',
        insightType: 'ApiCallRateInsight',
      },
      eventCategory: 'Insight',
    };
    writeFileSync(join(dir, 'insight.json'), JSON.stringify({ Records: [insight] }));
    const { summary, warnings } = await replayPaths([dir]);
    expect(summary).toMatchObject({ records: 0, malformed: 0, skipped: 1 });
    expect(warnings).toEqual([]);
  });

  it('reports an unreadable input and carries on with the rest', async () => {
    const { summary, findings } = await replayPaths([
      join(FIXTURES, 'does-not-exist'),
      join(FIXTURES, 'shapes/lines.jsonl'),
    ]);
    expect(summary.unreadable).toHaveLength(1);
    expect(findings).toHaveLength(1);
  });
});

describe('gatewarden detect (CLI)', () => {
  const cli = join(ROOT, 'bin/gatewarden.js');
  const canary = 'gw-canary-7f3a9c1e5b2d8f4a6c0e';
  const dir = mkdtempSync(join(tmpdir(), 'gw-detect-'));
  const leaky = join(dir, 'leaky.jsonl');
  writeFileSync(
    leaky,
    `${JSON.stringify({
      eventVersion: '1.11',
      eventID: 'canary-1',
      eventTime: '2026-11-20T10:00:00Z',
      eventSource: 'bedrock-agentcore.amazonaws.com',
      eventName: 'UpdateApiKeyCredentialProvider',
      sourceIPAddress: '203.0.113.9',
      userIdentity: {
        type: 'AssumedRole',
        arn: 'arn:aws:sts::111122223333:assumed-role/developer/bob',
        accountId: '111122223333',
      },
      requestParameters: { name: 'orders-api-key', apiKey: canary },
      responseElements: {
        apiKeySecretArn: { secretArn: 'arn:aws:secretsmanager:us-east-1:111122223333:secret:x' },
      },
    })}\n`,
  );

  it('prints jsonl findings with the documented fields, a summary on stderr, exit 0', async () => {
    // As the detect function: the gateway role from the config, the rotator from the env.
    const config = join(dir, 'deployed.json');
    writeFileSync(config, JSON.stringify({ secretReaders: [GATEWAY_ROLE] }));
    const { stdout, stderr } = await run(
      process.execPath,
      [cli, 'detect', '--format', 'jsonl', '--config', config, join(FIXTURES, 'attack'), leaky],
      { env: { ...process.env, GATEWARDEN_ROTATOR_ROLE_ARN: ROTATOR_ROLE } },
    );
    const lines = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toHaveLength(6);
    for (const line of lines) {
      for (const key of [
        'ruleId',
        'severity',
        'title',
        'eventId',
        'eventName',
        'eventTime',
        'principal',
        'sourceIp',
        'tactic',
      ]) {
        expect(line[key]).toEqual(expect.any(String));
      }
    }
    expect(stderr).toContain('cloudtrail-stopped');
    expect(stderr).toContain('3 files, 92 records');
    expect(stdout + stderr).not.toContain(canary);
  });

  it('prints a table and exits 1 when an input cannot be read', async () => {
    const failure = await run(process.execPath, [
      cli,
      'detect',
      '--format',
      'table',
      join(dir, 'missing.json'),
      leaky,
    ]).catch((error: { code: number; stdout: string; stderr: string }) => error);
    expect('code' in failure ? failure.code : 0).toBe(1);
    expect(failure.stdout).toMatch(/^SEVERITY\s+TIME\s+RULE/);
    expect(failure.stdout).toContain('credential-provider-changed');
    expect(failure.stderr).toContain('cannot read input');
  });

  it('rejects an invalid config with a clear message', async () => {
    const config = join(dir, 'bad-config.json');
    writeFileSync(config, JSON.stringify({ trustedAccounts: ['nope'] }));
    const failure = await run(process.execPath, [cli, 'detect', '--config', config, leaky]).catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect('code' in failure ? failure.code : 0).toBe(1);
    expect(failure.stderr).toContain('trustedAccounts.0: an account id is 12 digits');
  });
});
