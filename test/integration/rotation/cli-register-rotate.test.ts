/**
 * `gatewarden register` and `gatewarden rotate` end to end on the local stack with the real SDK:
 * providers on the AgentCore stand-in, gateways and targets on moto, the real OIDC provider for
 * the OAuth and inbound clients. Rotation runs in-process (local mode), as moto cannot invoke
 * the rotation function. Every value used is a recognisable canary that must never appear in
 * what the commands print or alert.
 */
import {
  CreateApiKeyCredentialProviderCommand,
  CreateGatewayCommand,
  GetApiKeyCredentialProviderCommand,
  GetOauth2CredentialProviderCommand,
} from '@aws-sdk/client-bedrock-agentcore-control';
import {
  BedrockAgentCoreClient,
  GetResourceOauth2TokenCommand,
  GetWorkloadAccessTokenCommand,
} from '@aws-sdk/client-bedrock-agentcore';
import { decodeJwt } from 'jose';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CloudTrailClient, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import { DescribeSecretCommand, GetResourcePolicyCommand } from '@aws-sdk/client-secrets-manager';
import { MemoryAlertSink } from '../../../lib/alerts/alert.js';
import { decodeRotationFailureTag, ROTATION_FAILURE_TAG } from '../../../lib/rotation/alerts.js';
import {
  defaultRegisterDeps,
  type RegisterFlags,
  runRegister,
} from '../../../cli/commands/register.js';
import {
  defaultRotateDeps,
  type RotateCommandDeps,
  runRotate,
} from '../../../cli/commands/rotate.js';
import type { CredentialKind } from '../../../lib/rotation/secretDocument.js';
import {
  createApiKeyTarget,
  createLocalOAuth2Provider,
  localDiscoveryUrl,
} from '../../support/agentcore.js';
import { ADMIN_ARN, deployedFunction } from '../../support/functionRoles.js';
import { localClient, localStack, uniqueName } from '../../support/localStack.js';
import { ensureLocalRotationFunction } from '../../support/vendors/rotationFunction.js';
import { WebhookStub } from '../../support/vendors/webhook.js';
import {
  control,
  createAdminSecret,
  createPlainSecret,
  docAt,
  registerOidcClient,
  servedApiKey,
  sm,
  stagesOf,
  tokenStatus,
  workload,
} from './support.js';

const GATEWAY_ROLE = 'arn:aws:iam::123456789012:role/gatewarden-test-gateway';

/** Captures everything a command prints. */
class Capture {
  text = '';
  isTTY = false;
  write(chunk: string): boolean {
    this.text += chunk;
    return true;
  }
}

let rotationLambda = '';
/** The deployed rotate and rotateNow functions' roles: `rotate` runs the steps as them. */
let rotatorRole = '';
let sweeperRole = '';
const canaries: string[] = [];
const out = new Capture();
const err = new Capture();
const alerts = new MemoryAlertSink();

/** A third-party API that accepts any well-formed key: the API keys' testSecret probe. */
let probe: Server;
let probeUrl = '';

beforeAll(async () => {
  rotationLambda = await ensureLocalRotationFunction({
    region: localStack().region,
    maxAttempts: 1,
  });
  rotatorRole = (await deployedFunction('rotate')).roleArn;
  sweeperRole = (await deployedFunction('rotateNow')).roleArn;
  probe = createServer((request, response) => {
    const key = request.headers['x-api-key'];
    response.writeHead(typeof key === 'string' && key.length >= 32 ? 200 : 401).end();
  });
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  probeUrl = `http://127.0.0.1:${(probe.address() as AddressInfo).port}/ping`;
});

afterAll(async () => {
  await new Promise((resolve) => probe.close(resolve));
  // Assess (canary): no value ever reached stdout, stderr or an alert.
  const printed = `${out.text}\n${err.text}\n${JSON.stringify(alerts.alerts)}`;
  expect(canaries.length).toBeGreaterThan(3);
  for (const canary of canaries) expect(printed).not.toContain(canary);
});

async function register(kind: CredentialKind, flags: Partial<RegisterFlags>): Promise<string> {
  const before = out.text.length;
  const code = await runRegister(
    kind,
    {
      issuer: 'generated',
      schedule: 'rate(30 days)',
      grace: '0s',
      resourcePolicy: true,
      json: true,
      rotationLambda,
      rotatorRole,
      sweeperRole,
      // The stack's admin registers as the break-glass admin (the schedule is the writers'),
      // and reads what rotations wrote as a named reader (set-up stays the admin's).
      adminRole: ADMIN_ARN,
      reader: [ADMIN_ARN],
      ...(kind === 'apiKey' ? { probeUrl } : {}),
      ...flags,
    } as RegisterFlags,
    await defaultRegisterDeps(),
    { stdout: out, stderr: err, env: process.env },
  );
  expect(code).toBe(0);
  const line = out.text.slice(before).trim();
  return (JSON.parse(line) as { secretArn: string }).secretArn;
}

async function rotate(
  options: Record<string, unknown>,
): Promise<{ code: number; json: Record<string, unknown> }> {
  const deps: RotateCommandDeps = {
    ...(await defaultRotateDeps()),
    stdout: out,
    stderr: err,
    alertSinks: () => [alerts],
  };
  const before = out.text.length;
  const code = await runRotate(
    { concurrency: '4', timeout: '60', json: true, wait: true, ...options },
    deps,
  );
  return { code, json: JSON.parse(out.text.slice(before).trim()) as Record<string, unknown> };
}

/** A gateway with IAM inbound auth; returns its id. */
async function iamGateway(): Promise<string> {
  const gateway = await control().send(
    new CreateGatewayCommand({
      name: uniqueName('cli-gw'),
      roleArn: GATEWAY_ROLE,
      protocolType: 'MCP',
      authorizerType: 'AWS_IAM',
    }),
  );
  return gateway.gatewayId ?? '';
}

async function apiKeyGateway(): Promise<{
  gatewayId: string;
  providerName: string;
  initial: string;
}> {
  const providerName = uniqueName('cli-apikey');
  const initial = `CANARY-apikey-${uniqueName('v')}`;
  canaries.push(initial);
  const provider = await control().send(
    new CreateApiKeyCredentialProviderCommand({ name: providerName, apiKey: initial }),
  );
  const gatewayId = await iamGateway();
  await createApiKeyTarget(control(), gatewayId, provider.credentialProviderArn);
  return { gatewayId, providerName, initial };
}

/** Update*CredentialProvider calls on one provider, as CloudTrail (the stand-in) saw them. */
async function providerUpdates(
  providerName: string,
  eventName = 'UpdateApiKeyCredentialProvider',
): Promise<number> {
  const out = await localClient(CloudTrailClient).send(
    new LookupEventsCommand({
      LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: eventName }],
    }),
  );
  return (out.Events ?? []).filter((event) => {
    const record = JSON.parse(event.CloudTrailEvent ?? '{}') as {
      requestParameters?: { name?: string };
    };
    return record.requestParameters?.name === providerName;
  }).length;
}

/** The client id in the access token the data plane gets for an OAuth2 provider (M2M). */
async function servedOauth2ClientId(workloadName: string, providerName: string): Promise<unknown> {
  const plane = localClient(BedrockAgentCoreClient);
  const token = await plane.send(new GetWorkloadAccessTokenCommand({ workloadName }));
  const served = await plane.send(
    new GetResourceOauth2TokenCommand({
      workloadIdentityToken: token.workloadAccessToken,
      resourceCredentialProviderName: providerName,
      scopes: ['gateway:invoke'],
      oauth2Flow: 'M2M',
    }),
  );
  return decodeJwt(served.accessToken ?? '').client_id;
}

describe('gatewarden register + rotate on the local stack', () => {
  it('registers an API-key provider: finds its gateway, reads the current key, tags, policy, rotation on', async () => {
    // Prepare
    const { gatewayId, providerName, initial } = await apiKeyGateway();

    // Act
    const secretArn = await register('apiKey', { provider: providerName, window: '3h' });

    // Assess
    const described = await sm().send(new DescribeSecretCommand({ SecretId: secretArn }));
    expect(described.Name).toBe(`gatewarden/${gatewayId}/apiKey/${providerName}`);
    expect(described.RotationEnabled).toBe(true);
    expect(described.RotationLambdaARN).toBe(rotationLambda);
    expect(described.RotationRules?.AutomaticallyAfterDays).toBe(30);
    expect(described.Tags).toEqual(
      expect.arrayContaining([
        { Key: 'gatewarden:gateway', Value: gatewayId },
        { Key: 'gatewarden:kind', Value: 'apiKey' },
      ]),
    );
    expect((await stagesOf(secretArn)).flat()).not.toContain('AWSPENDING');
    const policy = await sm().send(new GetResourcePolicyCommand({ SecretId: secretArn }));
    const policyText = decodeURIComponent(policy.ResourcePolicy ?? '');
    expect(policyText).toContain(rotatorRole);
    expect(policyText).toContain(GATEWAY_ROLE);
    const doc = await docAt(secretArn, 'AWSCURRENT');
    expect(doc.apiKey).toBe(initial);
    expect(doc.targetId).toBeTruthy();
    expect(doc.provider).toMatchObject({ name: providerName, secretSource: 'EXTERNAL' });
  });

  it('EXTERNAL by default: the provider reads the gatewarden secret, and a rotation reaches the data plane with no provider update', async () => {
    // Prepare
    const { providerName, initial } = await apiKeyGateway();
    const workloadName = await workload();
    const secretArn = await register('apiKey', { provider: providerName });
    const provider = await control().send(
      new GetApiKeyCredentialProviderCommand({ name: providerName }),
    );
    expect(provider.apiKeySecretSource).toBe('EXTERNAL');
    expect(provider.apiKeySecretJsonKey).toBe('apiKey');
    expect(await servedApiKey(workloadName, providerName)).toBe(initial);
    const updatesBefore = await providerUpdates(providerName);
    expect(updatesBefore).toBe(1); // register's switch to EXTERNAL

    // Act
    const { code } = await rotate({ secret: secretArn });

    // Assess: the data plane serves the new AWSCURRENT; nobody called Update*CredentialProvider.
    expect(code).toBe(0);
    const current = await docAt(secretArn, 'AWSCURRENT');
    canaries.push(current.apiKey ?? 'missing');
    expect(current.apiKey).not.toBe(initial);
    expect(await servedApiKey(workloadName, providerName)).toBe(current.apiKey);
    expect(await providerUpdates(providerName)).toBe(updatesBefore);
  });

  it('keeps a MANAGED provider with --managed and pushes each new value to it', async () => {
    const { providerName } = await apiKeyGateway();
    const workloadName = await workload();
    const secretArn = await register('apiKey', { provider: providerName, managed: true });
    const { code } = await rotate({ secret: secretArn });
    expect(code).toBe(0);
    const current = await docAt(secretArn, 'AWSCURRENT');
    canaries.push(current.apiKey ?? 'missing');
    expect(current.provider?.secretSource).toBe('MANAGED');
    expect(await servedApiKey(workloadName, providerName)).toBe(current.apiKey);
  });

  it('refuses to register the same provider twice, with a clear message', async () => {
    const { providerName } = await apiKeyGateway();
    await register('apiKey', { provider: providerName });
    await expect(register('apiKey', { provider: providerName })).rejects.toThrow(
      /already exists: this credential is registered, nothing was created \(rotate it with `gatewarden rotate --secret gatewarden\/.*`; after a change, `gatewarden register update --secret /,
    );
  });

  it('says there is nothing to rotate for a gateway with no registered secret, exit 0', async () => {
    const gatewayId = uniqueName('gw-none');
    const { code, json } = await rotate({ gateway: gatewayId });
    expect(code).toBe(0);
    expect(json).toEqual({
      mode: 'local',
      succeeded: 0,
      started: 0,
      failed: 0,
      results: [],
      nothing: `no secret carries the tag gatewarden:gateway=${gatewayId} in this account and region (registered secrets carry gatewarden:gateway=<gateway id>)`,
    });
  });

  it('rotates every secret of a gateway with --wait and reports each new version', async () => {
    // Prepare: two API keys behind one gateway.
    const first = await apiKeyGateway();
    const secondProvider = uniqueName('cli-apikey2');
    const secondInitial = `CANARY-apikey2-${uniqueName('v')}`;
    canaries.push(secondInitial);
    await control().send(
      new CreateApiKeyCredentialProviderCommand({ name: secondProvider, apiKey: secondInitial }),
    );
    const a = await register('apiKey', { provider: first.providerName });
    const b = await register('apiKey', { provider: secondProvider, gateway: first.gatewayId });

    // Act
    const { code, json } = await rotate({ gateway: first.gatewayId });

    // Assess
    expect(code).toBe(0);
    expect(json).toMatchObject({ mode: 'local', succeeded: 2, failed: 0 });
    for (const arn of [a, b]) {
      const current = await docAt(arn, 'AWSCURRENT');
      const previous = await docAt(arn, 'AWSPREVIOUS');
      canaries.push(current.apiKey ?? 'missing');
      expect(current.apiKey).not.toBe(previous.apiKey);
      expect([first.initial, secondInitial]).toContain(previous.apiKey);
    }
  });

  it('registers an OAuth2 provider on the OIDC provider (RFC 7592) and rotates it by tag', async () => {
    // Prepare
    const client = await registerOidcClient();
    canaries.push(client.clientSecret, client.registrationAccessToken);
    const discoveryUrl = localDiscoveryUrl();
    const providerName = uniqueName('cli-oauth');
    await createLocalOAuth2Provider(control(), providerName, client);
    const gatewayId = await iamGateway();
    const tokenSecret = await createAdminSecret(client.registrationAccessToken);
    const secretArn = await register('oauthClient', {
      provider: providerName,
      gateway: gatewayId,
      issuer: 'rfc7592',
      registrationUri: client.registrationClientUri,
      registrationTokenSecret: tokenSecret,
    });
    expect((await docAt(secretArn, 'AWSCURRENT')).test.discoveryUrl).toBe(discoveryUrl);
    // EXTERNAL by default: the provider reads the client secret from the gatewarden secret.
    const provider = await control().send(
      new GetOauth2CredentialProviderCommand({ name: providerName }),
    );
    expect(provider.clientSecretSource).toBe('EXTERNAL');
    expect(provider.clientSecretJsonKey).toBe('clientSecret');
    const updatesBefore = await providerUpdates(providerName, 'UpdateOauth2CredentialProvider');
    expect(updatesBefore).toBe(1); // register's switch to EXTERNAL
    const workloadName = await workload();

    // Act
    const { code, json } = await rotate({ tag: `gatewarden:gateway=${gatewayId}` });

    // Assess
    expect(code).toBe(0);
    expect(json).toMatchObject({ succeeded: 1 });
    const current = await docAt(secretArn, 'AWSCURRENT');
    canaries.push(current.clientSecret ?? 'missing');
    expect(current.clientSecret).not.toBe(client.clientSecret);
    const tokenEndpoint = `${localStack().oidcIssuer}/token`;
    expect(await tokenStatus(tokenEndpoint, client.clientId, current.clientSecret ?? '')).toBe(200);
    // RFC 7592 replaced the secret, so only the new one gets a token: the data plane still gets
    // one, read from the new AWSCURRENT, and no provider update was made.
    expect(await tokenStatus(tokenEndpoint, client.clientId, client.clientSecret)).not.toBe(200);
    expect(await servedOauth2ClientId(workloadName, providerName)).toBe(client.clientId);
    expect(await providerUpdates(providerName, 'UpdateOauth2CredentialProvider')).toBe(
      updatesBefore,
    );
  });

  it('registers an inbound client of a CUSTOM_JWT gateway from the secret agents read today', async () => {
    const client = await registerOidcClient();
    canaries.push(client.clientSecret);
    const discoveryUrl = localDiscoveryUrl();
    const gateway = await control().send(
      new CreateGatewayCommand({
        name: uniqueName('cli-gw'),
        roleArn: GATEWAY_ROLE,
        protocolType: 'MCP',
        authorizerType: 'CUSTOM_JWT',
        authorizerConfiguration: {
          customJWTAuthorizer: { discoveryUrl, allowedClients: [client.clientId] },
        },
      }),
    );
    const agentSecret = await createPlainSecret(
      JSON.stringify({ client_secret: client.clientSecret }),
    );
    const tokenSecret = await createAdminSecret(client.registrationAccessToken);

    const secretArn = await register('inboundClient', {
      gateway: gateway.gatewayId,
      clientId: client.clientId,
      issuer: 'rfc7592',
      registrationUri: client.registrationClientUri,
      registrationTokenSecret: tokenSecret,
      currentSecret: `${agentSecret}#client_secret`,
    });

    const doc = await docAt(secretArn, 'AWSCURRENT');
    expect(doc).toMatchObject({
      kind: 'inboundClient',
      clientId: client.clientId,
      clientSecret: client.clientSecret,
    });
    const { code, json } = await rotate({ secret: secretArn });
    expect(code).toBe(0);
    expect(json).toMatchObject({ succeeded: 1 });
    canaries.push((await docAt(secretArn, 'AWSCURRENT')).clientSecret ?? 'missing');
  });

  it('says which step failed and why, and alerts without values, when the issuer fails', async () => {
    // Prepare: a webhook issuer whose endpoint answers 500 to every request.
    const stub = new WebhookStub(`CANARY-hmac-${uniqueName('k')}`);
    canaries.push(stub.hmacKey);
    const url = await stub.server.start();
    try {
      const { providerName, gatewayId } = await apiKeyGateway();
      const hmacSecret = await createAdminSecret(stub.hmacKey);
      const secretArn = await register('apiKey', {
        provider: providerName,
        issuer: 'webhook',
        webhookUrl: url,
        hmacSecret,
      });
      stub.server.failNext(500, 50);

      // Act
      const { code, json } = await rotate({ secret: secretArn });

      // Assess
      expect(code).toBe(1);
      const [result] = json.results as Record<string, unknown>[];
      expect(result).toMatchObject({ outcome: 'failed', step: 'createSecret', secretArn });
      expect(String(result?.reason)).toMatch(/HTTP 500/);
      expect(alerts.alerts.at(-1)).toMatchObject({
        detailType: 'Rotation Failed',
        detail: { secretArn, gatewayId, kind: 'apiKey', step: 'createSecret' },
      });
      const described = await sm().send(new DescribeSecretCommand({ SecretId: secretArn }));
      const tag = described.Tags?.find((t) => t.Key === ROTATION_FAILURE_TAG)?.Value ?? '';
      expect(decodeRotationFailureTag(secretArn, tag)).toMatchObject({ step: 'createSecret' });

      // A later successful rotation clears the record.
      stub.server.clearFaults();
      const again = await rotate({ secret: secretArn });
      expect(again.code).toBe(0);
      const after = await sm().send(new DescribeSecretCommand({ SecretId: secretArn }));
      expect(after.Tags?.some((t) => t.Key === ROTATION_FAILURE_TAG)).toBe(false);
      expect((await stagesOf(secretArn)).flat()).not.toContain('AWSPENDING');
    } finally {
      await stub.server.stop();
    }
  });

  it('sweeps the retired credential of a webhook-issued key after its grace period', async () => {
    // Prepare: the third-party API (webhook stub) already knows the provider's current key.
    const stub = new WebhookStub(`CANARY-hmac-${uniqueName('k')}`);
    canaries.push(stub.hmacKey);
    const url = await stub.server.start();
    try {
      const seeded = stub.handle(
        JSON.stringify({ action: 'mint', idempotencyKey: 'before-gatewarden' }),
      ).json as { credentialId: string; apiKey: string };
      canaries.push(seeded.apiKey);
      const providerName = uniqueName('cli-sweep');
      await control().send(
        new CreateApiKeyCredentialProviderCommand({ name: providerName, apiKey: seeded.apiKey }),
      );
      const gatewayId = await iamGateway();
      const hmacSecret = await createAdminSecret(stub.hmacKey);
      const secretArn = await register('apiKey', {
        provider: providerName,
        gateway: gatewayId,
        issuer: 'webhook',
        webhookUrl: url,
        hmacSecret,
      });
      expect((await docAt(secretArn, 'AWSCURRENT')).issuerCredentialId).toBe(seeded.credentialId);
      expect((await rotate({ secret: secretArn })).code).toBe(0);
      canaries.push((await docAt(secretArn, 'AWSCURRENT')).apiKey ?? 'missing');
      expect(stub.keys.has(seeded.credentialId)).toBe(true); // still valid until swept

      // Act
      const before = out.text.length;
      const code = await runRotate(
        { concurrency: '2', timeout: '60', sweep: true, json: true, gateway: gatewayId },
        { ...(await defaultRotateDeps()), stdout: out, stderr: err },
      );

      // Assess
      expect(code).toBe(0);
      expect(JSON.parse(out.text.slice(before))).toEqual({
        swept: [{ secretArn, revoked: 1, stillInGrace: 0 }],
      });
      expect(stub.keys.has(seeded.credentialId)).toBe(false);
      expect(stub.keys.size).toBe(1);
    } finally {
      await stub.server.stop();
    }
  });

  it('explains bad input clearly', async () => {
    const { providerName } = await apiKeyGateway();
    await expect(
      register('apiKey', { provider: providerName, schedule: 'every day' }),
    ).rejects.toThrow(/--schedule must be/);
    await expect(register('apiKey', { provider: providerName, issuer: 'webhook' })).rejects.toThrow(
      /needs exactly one of --webhook-url or --webhook-lambda/,
    );
    await expect(register('apiKey', { provider: 'no-such-provider' })).rejects.toThrow();
    await expect(rotate({ gateway: 'gw-none', tag: 'a=b' })).rejects.toThrow(/exactly one of/);
  });
});
