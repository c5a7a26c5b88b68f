/**
 * Ctrl-C during `gatewarden rotate --wait` on the local stack (issue 9): the real CLI process
 * gets SIGINT while a call of each step is in flight — held in a fault proxy in front of the
 * local stack (createSecret's PutSecretValue, setSecret's provider update, finishSecret's stage
 * move), or at the probe for testSecret. The CLI finishes the call in flight, then undoes the
 * rotation: the provider serves AWSCURRENT again, no AWSPENDING is left, the lease is released
 * (the next rotate runs at once), and no value is printed. An interrupt that lands while
 * finishSecret promotes leaves the finished rotation in place, which is just as safe.
 */
import { execFile, spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import {
  CreateApiKeyCredentialProviderCommand,
  CreateGatewayCommand,
} from '@aws-sdk/client-bedrock-agentcore-control';
import { FaultProxy } from '../../support/faultProxy.js';
import { localStack, uniqueName } from '../../support/localStack.js';
import { ADMIN_ARN } from '../../support/functionRoles.js';
import { control, docAt, servedApiKey, stagesOf, workload } from './support.js';

const run = promisify(execFile);
const CLI = ['bin/gatewarden.js'];

let probe: Server;
let probeUrl = '';
/** Called on each probe request (setSecret proves the key first, then testSecret). */
let probed: (count: number) => Promise<void> = async () => undefined;
let probes = 0;
let proxy: FaultProxy;

beforeAll(async () => {
  probe = createServer((_request, response) => {
    void probed(++probes).then(() => response.writeHead(200).end());
  });
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  probeUrl = `http://127.0.0.1:${(probe.address() as AddressInfo).port}/ping`;
  proxy = new FaultProxy(localStack().endpoint);
  await proxy.start();
});
afterAll(async () => {
  await new Promise((resolve) => probe.close(resolve));
  await proxy.stop();
});

async function registeredApiKey(): Promise<{
  secretArn: string;
  provider: string;
  initial: string;
}> {
  const provider = uniqueName('int-key');
  const initial = `CANARY-interrupt-${uniqueName('k')}`;
  await control().send(
    new CreateApiKeyCredentialProviderCommand({ name: provider, apiKey: initial }),
  );
  const gateway = await control().send(
    new CreateGatewayCommand({
      name: uniqueName('int-gw'),
      roleArn: 'arn:aws:iam::123456789012:role/interrupt-gateway',
      protocolType: 'MCP',
      authorizerType: 'AWS_IAM',
    }),
  );
  const registered = await run(process.execPath, [
    ...CLI,
    'register',
    'apikey',
    '--provider',
    provider,
    '--gateway',
    gateway.gatewayId ?? '',
    '--issuer',
    'generated',
    '--managed',
    '--probe-url',
    probeUrl,
    // The admin (the stack's default caller) registers, may write, and reads what rotated.
    '--admin-role',
    ADMIN_ARN,
    '--reader',
    ADMIN_ARN,
    '--json',
  ]);
  const { secretArn } = JSON.parse(registered.stdout) as { secretArn: string };
  return { secretArn, provider, initial };
}

const steps: { step: string; hold: 'proxy' | 'probe'; operation?: string }[] = [
  { step: 'createSecret', hold: 'proxy', operation: 'secretsmanager.PutSecretValue' },
  {
    step: 'setSecret',
    hold: 'proxy',
    operation: 'POST /identities/UpdateApiKeyCredentialProvider',
  },
  { step: 'testSecret', hold: 'probe' },
  { step: 'finishSecret', hold: 'proxy', operation: 'secretsmanager.UpdateSecretVersionStage' },
];

it.each(steps)(
  'Ctrl-C during $step leaves AWSCURRENT served, no AWSPENDING, the lease free and no value printed',
  async ({ step, hold, operation }) => {
    // Prepare: a MANAGED API-key provider behind a gateway, registered through the CLI.
    const { secretArn, provider, initial } = await registeredApiKey();
    const workloadName = await workload();

    // Act: rotate through the proxy; SIGINT while the step's call is held.
    let sendInterrupt: () => void = () => undefined;
    const interrupted = new Promise<void>((resolve) => {
      const whileHeld = async () => {
        sendInterrupt();
        resolve();
        await new Promise((r) => setTimeout(r, 400)); // the call lands after the signal
      };
      if (hold === 'proxy') {
        proxy.reset({ hold: { match: (op) => op === operation, whileHeld } });
      } else {
        proxy.reset();
        probes = 0;
        // The second probe request is testSecret's (the first is setSecret's proof).
        probed = async (n) => (n === 2 ? whileHeld() : undefined);
      }
    });
    const child = spawn(process.execPath, [...CLI, 'rotate', '--secret', secretArn, '--wait'], {
      env: { ...process.env, AWS_ENDPOINT_URL: proxy.url },
    });
    sendInterrupt = () => child.kill('SIGINT');
    let output = '';
    child.stdout.on('data', (chunk) => (output += String(chunk)));
    child.stderr.on('data', (chunk) => (output += String(chunk)));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    await interrupted;
    const code = await exited;
    probed = async () => undefined;

    // Assess
    expect(output).toMatch(/SIGINT: finishing the step in flight, then undoing the rotation/);
    const current = await docAt(secretArn, 'AWSCURRENT');
    if (step === 'finishSecret') {
      // The promotion in flight completed: the rotation landed, nothing to undo.
      expect(current.apiKey).not.toBe(initial);
    } else {
      expect(code).toBe(1);
      expect(output).toMatch(/RotationInterruptedError/);
      expect(current.apiKey).toBe(initial);
    }
    expect((await stagesOf(secretArn)).flat()).not.toContain('AWSPENDING');
    expect(await servedApiKey(workloadName, provider)).toBe(current.apiKey);
    expect(output).not.toContain(initial);
    expect(output).not.toContain(current.apiKey);
    const next = await run(process.execPath, [...CLI, 'rotate', '--secret', secretArn, '--wait']);
    expect(next.stdout).toMatch(/1 rotated/);
    expect(await servedApiKey(workloadName, provider)).toBe(
      (await docAt(secretArn, 'AWSCURRENT')).apiKey,
    );
  },
);
