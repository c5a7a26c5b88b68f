/**
 * `npm run bench:rotation`: 100 on-demand rotations on the local stack, the way
 * `gatewarden rotate --gateway <id>` runs them there (select by tag, then the four steps
 * in-process through the engine's driver).
 *
 * Time inside AWS and issuer calls is measured at the edges: a middleware at the top of every
 * SDK client's stack (so serialisation, signing, HTTP and parsing count as call time) and a
 * wrapper around the fetch the issuers and the verifier use (the body is read inside). "Call
 * time" is the union of the intervals in which at least one call is outstanding, so it never
 * exceeds the wall time, whatever the concurrency. overheadRatio = (wall − call) ÷ call.
 *
 * Options (env): BENCH_SECRETS (100), BENCH_CONCURRENCY (1), BENCH_WEBHOOK_SHARE (0.2).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { BedrockAgentCoreClient } from '@aws-sdk/client-bedrock-agentcore';
import {
  BedrockAgentCoreControlClient,
  CreateApiKeyCredentialProviderCommand,
  CreateGatewayCommand,
} from '@aws-sdk/client-bedrock-agentcore-control';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { DynamoDbBindingStore } from '../lib/aws/bindingStore.js';
import { KmsItemMac } from '../lib/aws/kmsItemMac.js';
import { AgentCoreGatewayReader } from '../lib/aws/gatewayReader.js';
import { AgentCoreProviders } from '../lib/aws/identityProviders.js';
import { AgentCoreRegistrationReader } from '../lib/aws/registrationReader.js';
import { SecretsManagerRotationControl } from '../lib/aws/rotationControl.js';
import { SecretsManagerStore } from '../lib/aws/secretsStore.js';
import { MapIssuerRegistry } from '../lib/rotation/issuerRegistry.js';
import { GeneratedIssuer } from '../lib/rotation/issuers/generated.js';
import { vendorIssuers } from '../lib/rotation/issuers/vendorIssuers.js';
import { resolveSecrets, rotateMany } from '../lib/rotation/onDemand.js';
import { localRotator } from '../lib/rotation/onDemandLocal.js';
import { systemClock, type RotationDeps } from '../lib/rotation/ports.js';
import { registerCredential } from '../lib/rotation/register.js';
import { HttpCredentialVerifier } from '../lib/rotation/verifier.js';
import { TAGS } from '../lib/shared/env.js';
import { logger } from '../lib/shared/logger.js';
import { stateTableInput } from '../scripts/localStage.js';
import { startLocalStack } from '../local/stack.js';
import { exportsOf } from '../local/state.js';
import { ensureLocalRotationFunction } from '../test/support/vendors/rotationFunction.js';
import { WebhookStub } from '../test/support/vendors/webhook.js';

const SECRETS = Number(process.env.BENCH_SECRETS ?? 100);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 1);
const WEBHOOK_SHARE = Number(process.env.BENCH_WEBHOOK_SHARE ?? 0.2);
const log = (line: string): void => void process.stderr.write(`${line}\n`);

/** Union of in-flight intervals of calls, plus per-kind counts and summed durations. */
class CallTimer {
  private active = 0;
  private busySince = 0;
  busyMs = 0;
  readonly byKind = new Map<string, { calls: number; ms: number }>();
  enabled = false;

  begin(kind: string): () => void {
    if (!this.enabled) return () => undefined;
    const started = performance.now();
    if (this.active++ === 0) this.busySince = started;
    return () => {
      const now = performance.now();
      const entry = this.byKind.get(kind) ?? { calls: 0, ms: 0 };
      entry.calls += 1;
      entry.ms += now - started;
      this.byKind.set(kind, entry);
      if (--this.active === 0) this.busyMs += now - this.busySince;
    };
  }
}

const timer = new CallTimer();

/** Adds the timing middleware at the top of a client's stack and returns the client. */
function timed<C extends { middlewareStack: { add: (...args: never[]) => void } }>(
  client: C,
  kind: string,
): C {
  const add = client.middlewareStack.add as unknown as (
    middleware: (next: (args: unknown) => Promise<unknown>) => (args: unknown) => Promise<unknown>,
    options: { step: 'initialize'; priority: 'high'; name: string },
  ) => void;
  add(
    (next) => async (args) => {
      const end = timer.begin(kind);
      try {
        return await next(args);
      } finally {
        end();
      }
    },
    { step: 'initialize', priority: 'high', name: 'gatewardenBenchTiming' },
  );
  return client;
}

/** fetch whose whole exchange, body included, counts as call time. */
const timedFetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
  const end = timer.begin('http');
  try {
    const response = await fetch(input, init);
    const body = await response.arrayBuffer();
    return new Response(body.byteLength > 0 ? body : null, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  } finally {
    end();
  }
};

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? 0;
}

async function probeServer(): Promise<{ url: string; close: () => void }> {
  // A third-party API that accepts any well-formed key: the probe is part of testSecret.
  const server = createServer((req, res) => {
    const key = req.headers['x-api-key'];
    res.writeHead(typeof key === 'string' && key.length >= 32 ? 200 : 401).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/ping`,
    close: () => server.close(),
  };
}

async function main(): Promise<void> {
  logger.setLogLevel('WARN');
  if (!process.env.AWS_ENDPOINT_URL) {
    const { state } = await startLocalStack(log);
    Object.assign(process.env, exportsOf(state));
  }
  const region = process.env.AWS_REGION ?? 'us-east-1';
  const config = { region, maxAttempts: 3 };
  const sm = timed(new SecretsManagerClient(config), 'secretsmanager');
  const control = timed(new BedrockAgentCoreControlClient(config), 'agentcore-control');
  const data = timed(new BedrockAgentCoreClient(config), 'agentcore-data');
  const dynamo = timed(new DynamoDBClient(config), 'dynamodb');

  // Setup (not measured): a gateway, N providers, N registered gatewarden secrets.
  const suffix = `${Date.now().toString(36)}-${randomBytes(2).toString('hex')}`;
  const rotationLambdaArn = await ensureLocalRotationFunction(config);
  const probe = await probeServer();
  const webhook = new WebhookStub(randomBytes(24).toString('hex'));
  const webhookUrl = await webhook.server.start();
  const hmac = await sm.send(
    new CreateSecretCommand({
      Name: `gatewarden-admin/bench-${suffix}/webhook-hmac`,
      SecretString: webhook.hmacKey,
    }),
  );
  const gateway = await control.send(
    new CreateGatewayCommand({
      name: `bench-${suffix}`,
      roleArn: 'arn:aws:iam::123456789012:role/gatewarden-bench-gateway',
      protocolType: 'MCP',
      authorizerType: 'AWS_IAM',
    }),
  );
  const gatewayId = gateway.gatewayId ?? '';
  const rotationControl = new SecretsManagerRotationControl(sm);
  const store = new SecretsManagerStore(sm);
  const readSecret = async (id: string): Promise<string> =>
    (await store.getValue(id, { stage: 'AWSCURRENT' })) ?? '';
  const issuers = new MapIssuerRegistry([
    new GeneratedIssuer(store),
    ...vendorIssuers({ readSecret, fetch: timedFetch }),
  ]);
  // The state table holds each secret's binding; every step checks its document against it.
  const stateTable = `gatewarden-bench-${suffix}`;
  await dynamo.send(new CreateTableCommand(stateTableInput(stateTable)));
  // Signed as deployed: two KMS HMAC keys, every binding and ledger item MACed and checked.
  const kms = new KMSClient(config);
  const macKey = async (): Promise<KmsItemMac> => {
    const made = await kms.send(
      new CreateKeyCommand({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' }),
    );
    return new KmsItemMac(made.KeyMetadata?.Arn ?? '', kms);
  };
  const bindings = new DynamoDbBindingStore(
    stateTable,
    { binding: await macKey(), ledger: await macKey() },
    dynamo,
  );
  const registerDeps = {
    control: rotationControl,
    agentcore: new AgentCoreRegistrationReader(control),
    issuers,
    bindings,
    // Registration points each provider at its gatewarden secret (EXTERNAL, the default).
    providers: new AgentCoreProviders(control, data, undefined),
  };
  log(`bench: registering ${SECRETS} API keys on gateway ${gatewayId}…`);
  const webhookCount = Math.round(SECRETS * WEBHOOK_SHARE);
  for (let i = 0; i < SECRETS; i++) {
    const providerName = `bench-${suffix}-${i}`;
    await control.send(
      new CreateApiKeyCredentialProviderCommand({
        name: providerName,
        apiKey: randomBytes(20).toString('hex'),
      }),
    );
    const useWebhook = i < webhookCount;
    await registerCredential(registerDeps, {
      kind: 'apiKey',
      providerName,
      gatewayId,
      issuer: useWebhook
        ? { type: 'webhook', url: webhookUrl, hmacSecretArn: hmac.ARN ?? '' }
        : { type: 'generated', length: 40 },
      test: { probe: { url: probe.url }, attempts: 2 },
      schedule: 'rate(30 days)',
      graceSeconds: 0,
      rotationLambdaArn,
      rotatorRoleArn: 'arn:aws:iam::123456789012:role/gatewarden-bench-rotator',
      resourcePolicy: true,
    });
  }

  const deps: RotationDeps = {
    store,
    bindings,
    providers: new AgentCoreProviders(control, data, undefined),
    gateways: new AgentCoreGatewayReader(control),
    verifier: new HttpCredentialVerifier(timedFetch as typeof fetch),
    issuers,
    clock: systemClock,
    events: [],
  };

  // Measured: what `gatewarden rotate --gateway <id>` does on the local stack.
  log(`bench: rotating ${SECRETS} secrets (concurrency ${CONCURRENCY})…`);
  timer.enabled = true;
  const wallStart = performance.now();
  const arns = await resolveSecrets(rotationControl, { tag: `${TAGS.gateway}=${gatewayId}` });
  const results = await rotateMany(localRotator(deps), arns, { concurrency: CONCURRENCY });
  const wallMs = performance.now() - wallStart;
  timer.enabled = false;

  probe.close();
  await webhook.server.stop();
  const failures = results.filter((r) => r.outcome !== 'succeeded');
  for (const failure of failures.slice(0, 5)) {
    log(
      `bench: failed ${failure.secretArn} in ${failure.step} (${failure.errorClass}) ${failure.reason ?? ''}`,
    );
  }
  const callMs = timer.busyMs;
  for (const [kind, entry] of [...timer.byKind].sort()) {
    log(
      `bench: ${kind.padEnd(18)} ${String(entry.calls).padStart(5)} calls ${entry.ms.toFixed(0).padStart(7)} ms`,
    );
  }
  const latencies = results.map((r) => r.ms);
  log(
    `bench: wall ${wallMs.toFixed(0)} ms, inside calls ${callMs.toFixed(0)} ms, outside ${(wallMs - callMs).toFixed(0)} ms` +
      ` (${arns.length} secrets, ${webhookCount} via webhook issuer)`,
  );
  process.stdout.write(
    `${JSON.stringify({
      bench: 'rotation',
      secrets: arns.length,
      p50Ms: Math.round(percentile(latencies, 50)),
      p95Ms: Math.round(percentile(latencies, 95)),
      overheadRatio: Number(((wallMs - callMs) / callMs).toFixed(3)),
      failures: failures.length,
    })}\n`,
  );
  if (failures.length > 0 || arns.length !== SECRETS) process.exitCode = 1;
}

main().catch((error: unknown) => {
  log(`bench: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
