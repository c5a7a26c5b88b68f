/**
 * Ctrl-C during `gatewarden rotate --wait` on the local stack (issue 9): the real CLI process is
 * interrupted while testSecret's probe is in flight — after the new key reached the MANAGED
 * provider. The rotation must be undone: the provider serves AWSCURRENT again, no AWSPENDING is
 * left, the lease is released (the next rotate runs at once), and no value is printed.
 */
import { execFile, spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import {
  CreateApiKeyCredentialProviderCommand,
  CreateGatewayCommand,
} from '@aws-sdk/client-bedrock-agentcore-control';
import { uniqueName } from '../../support/localStack.js';
import { control, docAt, servedApiKey, stagesOf, workload } from './support.js';

const run = promisify(execFile);
const CLI = ['bin/gatewarden.js'];

let probe: Server;
let probeUrl = '';
/** Called on each probe request (setSecret proves the key first, then testSecret); 200 after a pause. */
let probed: (count: number) => void = () => undefined;
let probes = 0;

beforeAll(async () => {
  probe = createServer((_request, response) => {
    probed(++probes);
    setTimeout(() => response.writeHead(200).end(), 1_500);
  });
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  probeUrl = `http://127.0.0.1:${(probe.address() as AddressInfo).port}/ping`;
});
afterAll(async () => {
  await new Promise((resolve) => probe.close(resolve));
});

it('Ctrl-C during testSecret undoes the rotation, releases the lease and prints no value', async () => {
  // Prepare: a MANAGED API-key provider behind a gateway, registered through the CLI.
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
    '--json',
  ]);
  const { secretArn } = JSON.parse(registered.stdout) as { secretArn: string };
  const workloadName = await workload();

  // Act: rotate, and send SIGINT while the probe (testSecret) is in flight.
  const child = spawn(process.execPath, [...CLI, 'rotate', '--secret', secretArn, '--wait'], {
    env: process.env,
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += String(chunk)));
  child.stderr.on('data', (chunk) => (output += String(chunk)));
  // The second probe request is testSecret's: the new key is in the provider by then.
  probes = 0;
  const inFlight = new Promise<void>((resolve) => (probed = (n) => n === 2 && resolve()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  await inFlight;
  expect(await servedApiKey(workloadName, provider)).not.toBe(initial); // setSecret pushed
  child.kill('SIGINT');
  const code = await exited;

  // Assess
  expect(code).toBe(1);
  expect(output).toMatch(/SIGINT: finishing the step in flight, then undoing the rotation/);
  expect(output).toMatch(/RotationInterruptedError/);
  expect((await docAt(secretArn, 'AWSCURRENT')).apiKey).toBe(initial);
  expect((await stagesOf(secretArn)).flat()).not.toContain('AWSPENDING');
  expect(await servedApiKey(workloadName, provider)).toBe(initial);
  expect(output).not.toContain(initial);
  const next = await run(process.execPath, [...CLI, 'rotate', '--secret', secretArn, '--wait']);
  expect(next.stdout).toMatch(/1 rotated/);
  expect(await servedApiKey(workloadName, provider)).toBe(
    (await docAt(secretArn, 'AWSCURRENT')).apiKey,
  );
});
