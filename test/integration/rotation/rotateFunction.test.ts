/**
 * The rotate function's handler on the local stack, as deployed: its own wiring
 * (functions/rotate.ts), its deployed environment, every call signed as its role. Secrets
 * Manager steps through the real SDK, failure alerts to the stage's topic and bus (read from
 * queues behind them), and the failure tag on the secret. moto cannot create RotateSecret's
 * empty AWSPENDING version, so createSecret runs through the engine (as the rotate role too)
 * and the handler takes the rest. `rotate --wait` is the operator's (the stack's admin).
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateApiKeyCredentialProviderCommand } from '@aws-sdk/client-bedrock-agentcore-control';
import { DescribeSecretCommand, GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import type { Context } from 'aws-lambda';
import { SecretsManagerRotationControl } from '../../../lib/aws/rotationControl.js';
import type { RotationDeps } from '../../../lib/rotation/ports.js';
import { ROTATION_FAILURE_TAG, ROTATION_STEP_TAG } from '../../../lib/rotation/alerts.js';
import { waitForRotation } from '../../../lib/rotation/onDemandWait.js';
import { deployedAlertQueues, receivedFor } from '../../support/deployedAlerts.js';
import { uniqueName } from '../../support/localStack.js';
import { rotateHandler, runRotationStep } from './asRole.js';
import {
  control,
  createGatewardenSecret,
  deployedFunctionDeps,
  docAt,
  servedApiKey,
  sm,
  workload,
} from './support.js';

let workloadName = '';
let probe: Server;
let probeUrl = '';
/** Probe requests are held (never answered) while set: the function's timeout would end them. */
let hangProbe = false;
let onProbe: () => void = () => undefined;
/** Keys the probe endpoint accepts; a test adds the key it expects to pass. */
const acceptedKeys = new Set<string>();
let acceptAll = false;
let acceptFirst = false;
const seen = new Set<string>();
/** Provider names of the secrets this file creates (the secret name ends with it). */
const providerNames = new Map<string, string>();
const providerNameOf = (secretArn: string): string => providerNames.get(secretArn) ?? '';

beforeAll(async () => {
  workloadName = await workload();
  probe = createServer((request, response) => {
    onProbe();
    if (hangProbe) return;
    const key = String(request.headers['x-api-key']);
    // acceptFirst: a key works once (setSecret's proof before the push), then stops working.
    const firstTime = acceptFirst && !seen.has(key);
    seen.add(key);
    response.statusCode = acceptAll || firstTime || acceptedKeys.has(key) ? 200 : 401;
    response.end();
  });
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  probeUrl = `http://127.0.0.1:${(probe.address() as AddressInfo).port}/ping`;
});
afterAll(async () => {
  probe.closeAllConnections();
  await new Promise((resolve) => probe.close(resolve));
});

async function apiKeySecret(): Promise<{ secretArn: string; initial: string }> {
  const providerName = uniqueName('gw-fn');
  const initial = `initial-${uniqueName('k')}`;
  await control().send(
    new CreateApiKeyCredentialProviderCommand({ name: providerName, apiKey: initial }),
  );
  const secretArn = await createGatewardenSecret(
    {
      kind: 'apiKey',
      gatewayId: 'gw-local-fn',
      provider: { type: 'apiKey', name: providerName, secretSource: 'MANAGED' },
      issuer: { type: 'generated', length: 36, excludePunctuation: true },
      test: { attempts: 2, probe: { url: probeUrl } },
      apiKey: initial,
    },
    providerName,
  );
  providerNames.set(secretArn, providerName);
  return { secretArn, initial };
}

/**
 * What RotateSecret does before it invokes the function: a new version through createSecret
 * (moto cannot create the empty AWSPENDING version itself). Returns its token and the events.
 */
async function startRotation(
  deps: RotationDeps,
  secretArn: string,
): Promise<{ token: string; event: (step: string) => never }> {
  const token = randomUUID();
  await runRotationStep(
    deps,
    { step: 'createSecret', secretId: secretArn, token },
    { tokenMayBeNew: true },
  );
  return {
    token,
    event: (Step) => ({ Step, SecretId: secretArn, ClientRequestToken: token }) as never,
  };
}

describe('rotate function on the local stack', () => {
  it('alerts on SNS and the bus, tags the secret and rethrows when testSecret fails', async () => {
    // Prepare: the probe accepts the new key once (setSecret's proof), then refuses it.
    acceptFirst = true;
    const queues = await deployedAlertQueues('gatewarden-rotate-function-tests');
    // The function's own alert sinks (the stage's topic and bus) and failure tag recorder.
    const deps = await deployedFunctionDeps('rotate');
    const handler = rotateHandler(deps);
    const { secretArn, initial } = await apiKeySecret();
    const { token, event } = await startRotation(deps, secretArn);
    // Act
    await handler(event('setSecret'), {} as Context);
    await expect(handler(event('testSecret'), {} as Context)).rejects.toMatchObject({
      name: 'CredentialTestError',
    });
    // Assess
    const messages = await receivedFor<{ 'detail-type': string; detail: Record<string, unknown> }>(
      queues.bus,
      secretArn,
    );
    expect(messages.map((m) => m['detail-type'])).toEqual(['Rotation Failed']);
    const published = await receivedFor<{ Message: string }>(queues.topic, secretArn);
    expect(published.map((m) => m.Message)).toEqual([
      expect.stringContaining('failed in step testSecret (CredentialTestError)'),
    ]);
    expect(messages[0]?.detail).toMatchObject({
      secretArn,
      gatewayId: 'gw-local-fn',
      step: 'testSecret',
      errorClass: 'CredentialTestError',
      versionId: token,
    });
    // The failed rotation was abandoned: AWSPENDING cleared, the provider back on AWSCURRENT.
    const abandoned = await sm().send(
      new GetSecretValueCommand({ SecretId: secretArn, VersionId: token }),
    );
    expect(abandoned.VersionStages ?? []).not.toContain('AWSPENDING');
    const pending = JSON.parse(abandoned.SecretString ?? '{}') as { apiKey?: string };
    expect(JSON.stringify([messages, published])).not.toContain(pending.apiKey);
    expect(await servedApiKey(workloadName, providerNameOf(secretArn))).toBe(initial);
    const tags = (await sm().send(new DescribeSecretCommand({ SecretId: secretArn }))).Tags ?? [];
    expect(tags.find((t) => t.Key === ROTATION_FAILURE_TAG)?.Value).toMatch(
      / testSecret CredentialTestError /,
    );
    expect((await docAt(secretArn, 'AWSCURRENT')).apiKey).toBe(initial);

    // The next rotation (Secrets Manager's next attempt) passes once the target accepts keys.
    acceptAll = true;
    acceptFirst = false;
    const { event: retry } = await startRotation(deps, secretArn);
    for (const step of ['setSecret', 'testSecret', 'finishSecret'])
      await handler(retry(step), {} as Context);
    const landed = await docAt(secretArn, 'AWSCURRENT');
    expect(landed.apiKey).not.toBe(initial);
    expect(await servedApiKey(workloadName, providerNameOf(secretArn))).toBe(landed.apiKey);
    const after = (await sm().send(new DescribeSecretCommand({ SecretId: secretArn }))).Tags ?? [];
    expect(after.find((t) => t.Key === ROTATION_FAILURE_TAG)).toBeUndefined();
  });
  it('a rotate function killed mid-step (timeout, crash) is reported by rotate --wait, and the retry recovers', async () => {
    // Prepare: createSecret and setSecret done; testSecret runs in its own process.
    acceptAll = true;
    const deps = await deployedFunctionDeps('rotate');
    const handler = rotateHandler({ ...deps, alerts: [] });
    const { secretArn, initial } = await apiKeySecret();
    const { token, event } = await startRotation(deps, secretArn);
    const lambda = { getRemainingTimeInMillis: () => 120_000 } as unknown as Context;
    await handler(event('setSecret'), lambda);

    // Act: the function process is killed while testSecret's probe is in flight.
    hangProbe = true;
    const probed = new Promise<void>((resolve) => (onProbe = resolve));
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'test/support/rotateStepProcess.ts',
        secretArn,
        'testSecret',
        token,
        workloadName,
        '120000',
      ],
      { env: process.env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (chunk) => (output += String(chunk)));
    child.stderr.on('data', (chunk) => (output += String(chunk)));
    const exited = new Promise((resolve) => child.on('exit', resolve));
    await probed;
    child.kill('SIGKILL');
    await exited;
    hangProbe = false;
    onProbe = () => undefined;

    // Assess: rotate --wait (the operator's), once the invocation's time is up, says the
    // function stopped.
    const tags = (await sm().send(new DescribeSecretCommand({ SecretId: secretArn }))).Tags ?? [];
    expect(tags.find((t) => t.Key === ROTATION_STEP_TAG)?.Value).toMatch(
      new RegExp(`^${token} testSecret `),
    );
    const waited = await waitForRotation(
      new SecretsManagerRotationControl(sm()),
      secretArn,
      token,
      { pollMs: 1, now: () => Date.now() + 200_000, timeoutMs: 60_000 },
    );
    expect(waited).toMatchObject({
      outcome: 'failed',
      step: 'testSecret',
      errorClass: 'RotateFunctionStopped',
    });
    expect(output).not.toContain('testSecret done');
    expect(output).not.toContain(initial);

    // Secrets Manager retries the step: the rotation lands and both tags are gone.
    await handler(event('testSecret'), lambda);
    await handler(event('finishSecret'), lambda);
    const landed = await docAt(secretArn, 'AWSCURRENT');
    expect(landed.apiKey).not.toBe(initial);
    expect(await servedApiKey(workloadName, providerNameOf(secretArn))).toBe(landed.apiKey);
    const after = (await sm().send(new DescribeSecretCommand({ SecretId: secretArn }))).Tags ?? [];
    expect(after.map((t) => t.Key)).not.toContain(ROTATION_STEP_TAG);
    expect(
      await waitForRotation(new SecretsManagerRotationControl(sm()), secretArn, token, {
        pollMs: 1,
      }),
    ).toMatchObject({ outcome: 'succeeded' });
  }, 60_000);
});
