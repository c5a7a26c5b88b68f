/**
 * Canary test of the real `gatewarden` CLI process: `register` and `rotate` run as a user runs
 * them (a child process, against the local stack), with recognisable secret values; neither
 * stdout nor stderr may ever contain one, in success or failure, and `--json` output must stay
 * parseable (engine logs must not leak into stdout).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import {
  CreateApiKeyCredentialProviderCommand,
  CreateGatewayCommand,
} from '@aws-sdk/client-bedrock-agentcore-control';
import { ADMIN_ARN } from '../../support/functionRoles.js';
import { localStack, uniqueName } from '../../support/localStack.js';
import { ensureLocalRotationFunction } from '../../support/vendors/rotationFunction.js';
import { WebhookStub } from '../../support/vendors/webhook.js';
import { control, createAdminSecret, docAt } from './support.js';

const run = promisify(execFile);

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['bin/gatewarden.js', ...args], {
      env: { ...process.env, ...env, GATEWARDEN_LOG_LEVEL: 'INFO' },
      timeout: 90_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

describe('gatewarden CLI canaries (child process, local stack)', () => {
  const canaries: string[] = [];
  const transcripts: string[] = [];
  let rotationLambda = '';

  beforeAll(async () => {
    rotationLambda = await ensureLocalRotationFunction({
      region: localStack().region,
      maxAttempts: 1,
    });
  });

  afterAll(() => {
    const all = transcripts.join('\n');
    expect(canaries.length).toBeGreaterThanOrEqual(4);
    for (const canary of canaries) expect(all).not.toContain(canary);
  });

  async function gatewayWithKey(): Promise<{ gatewayId: string; provider: string }> {
    const provider = uniqueName('canary-key');
    const initial = `CANARY-cli-initial-${uniqueName('x')}`;
    canaries.push(initial);
    await control().send(
      new CreateApiKeyCredentialProviderCommand({ name: provider, apiKey: initial }),
    );
    const gateway = await control().send(
      new CreateGatewayCommand({
        name: uniqueName('canary-gw'),
        roleArn: 'arn:aws:iam::123456789012:role/canary-gateway',
        protocolType: 'MCP',
        authorizerType: 'AWS_IAM',
      }),
    );
    return { gatewayId: gateway.gatewayId ?? '', provider };
  }

  it('registers (local defaults) and rotates with --json: parseable output, no value printed even at INFO logging', async () => {
    // Prepare
    const { gatewayId, provider } = await gatewayWithKey();

    // Act
    const registered = await cli([
      'register',
      'apikey',
      '--provider',
      provider,
      '--gateway',
      gatewayId,
      '--issuer',
      'generated',
      '--no-test',
      // The admin (the stack's default caller) registers and reads what rotated.
      '--admin-role',
      ADMIN_ARN,
      '--reader',
      ADMIN_ARN,
      '--json',
    ]);
    transcripts.push(registered.stdout, registered.stderr);
    const { secretArn } = JSON.parse(registered.stdout) as { secretArn: string };
    const rotated = await cli(['rotate', '--secret', secretArn, '--wait', '--json']);
    transcripts.push(rotated.stdout, rotated.stderr);

    // Assess
    expect(registered.code).toBe(0);
    expect(rotated.code).toBe(0);
    const report = JSON.parse(rotated.stdout) as { mode: string; succeeded: number };
    // Registered with --no-test: the result says the new key was never tested.
    expect(report).toMatchObject({ mode: 'local', succeeded: 1, results: [{ tested: false }] });
    canaries.push((await docAt(secretArn, 'AWSCURRENT')).apiKey ?? 'missing');
    expect(rotated.stderr).toContain('local stack detected');
    // No --rotation-lambda / --rotator-role: the local stand-in function and its role are used.
    expect(registered.stderr).toContain(`using the stand-in rotate function ${rotationLambda}`);
  });

  it('fails readably when the issuer fails, without printing the HMAC key or the API key', async () => {
    const stub = new WebhookStub(`CANARY-cli-hmac-${uniqueName('k')}`);
    canaries.push(stub.hmacKey);
    const url = await stub.server.start();
    try {
      const { gatewayId, provider } = await gatewayWithKey();
      const hmacSecret = await createAdminSecret(stub.hmacKey);
      const registered = await cli([
        'register',
        'apikey',
        '--provider',
        provider,
        '--gateway',
        gatewayId,
        '--issuer',
        'webhook',
        '--webhook-url',
        url,
        '--hmac-secret',
        hmacSecret,
        '--rotation-lambda',
        rotationLambda,
        '--no-resource-policy',
        '--no-test',
      ]);
      transcripts.push(registered.stdout, registered.stderr);
      expect(registered.code).toBe(0);
      const secretArn = /secret:\s+(\S+)/.exec(registered.stdout)?.[1] ?? '';
      stub.server.failNext(401, 50);

      const rotated = await cli(['rotate', '--secret', secretArn, '--wait']);
      transcripts.push(rotated.stdout, rotated.stderr);

      expect(rotated.code).toBe(1);
      expect(rotated.stdout).toMatch(/✗ .* failed in createSecret \(\w+\): .*HTTP 401/);
    } finally {
      await stub.server.stop();
    }
  });

  it('rejects bad input with one clear line on stderr', async () => {
    const bad = await cli(['rotate', '--tag', 'no-equals-sign']);
    transcripts.push(bad.stdout, bad.stderr);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toBe(
      'gatewarden: tag must be KEY=VALUE, got "no-equals-sign"\nsee `gatewarden rotate --help`',
    );
  });
});
