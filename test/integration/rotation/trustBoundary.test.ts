/**
 * The rotation trust boundary on the local stack, with real components: Secrets Manager on moto
 * (the attacker's PutSecretValue is a real SDK call), the binding in the local state table on
 * DynamoDB, real AgentCore providers on the stand-in, the real issuer adapters and verifier
 * over real HTTP. Each case rewrites one field to point at a local "attacker" server; rotation
 * (driver and rotate function) and the sweep then run, and that server must receive nothing.
 * Each runs as it does when deployed, with the product's own wiring: the rotate function and the
 * CLI's in-process driver as the rotate role (the driver's lease the operator's), the sweep as
 * the rotateNow role. The attacker and the set-up are the stack's admin.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateApiKeyCredentialProviderCommand } from '@aws-sdk/client-bedrock-agentcore-control';
import {
  CreateSecretCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { MemoryAlertSink } from '../../../lib/alerts/alert.js';
import type { AwsRotationDeps } from '../../../lib/aws/rotationDeps.js';
import type { Context } from 'aws-lambda';
import type { RotateEvent } from '../../../functions/rotate.js';
import type { HandleStepDeps } from '../../../lib/rotation/handleStep.js';
import { localClient, uniqueName } from '../../support/localStack.js';
import { driveRotation, rotateHandler, sweepSecret } from './asRole.js';
import {
  cliRotationDeps,
  control,
  createGatewardenSecret,
  deployedFunctionDeps,
  docAt,
  servedApiKey,
  sm,
  workload,
} from './support.js';

/** An HTTP server that counts every request it gets (and answers 200 to all). */
async function countingServer(): Promise<{ url: string; hits: string[]; server: Server }> {
  const hits: string[] = [];
  const server = createServer((request, response) => {
    hits.push(`${request.method} ${request.url}`);
    response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits, server };
}

let workloadName = '';
let attacker: Awaited<ReturnType<typeof countingServer>>;
let legit: Awaited<ReturnType<typeof countingServer>>;
let adminSecret = '';
/** The rotate function's ports (functions/rotate.ts), as its role. */
let rotateFunction: HandleStepDeps & AwsRotationDeps;
/** `gatewarden rotate` on the local stack: the engine as the rotate role, the lease the operator's. */
let cli: AwsRotationDeps;
/** The engine the rotateNow function sweeps with, as its role. */
let sweeper: AwsRotationDeps;

beforeAll(async () => {
  workloadName = await workload();
  attacker = await countingServer();
  legit = await countingServer();
  const created = await sm().send(
    new CreateSecretCommand({
      Name: `gatewarden-admin/${uniqueName('trust')}`,
      SecretString: JSON.stringify({
        apiToken: 'okta-admin-token',
        clientId: 'a',
        clientSecret: 'b',
      }),
    }),
  );
  adminSecret = created.ARN ?? '';
  [rotateFunction, cli, sweeper] = await Promise.all([
    deployedFunctionDeps('rotate'),
    cliRotationDeps(),
    deployedFunctionDeps('rotateNow'),
  ]);
});

afterAll(async () => {
  await Promise.all(
    [attacker, legit].map((s) => new Promise((resolve) => s.server.close(resolve))),
  );
});

type Doc = Record<string, unknown> & {
  test: Record<string, unknown>;
  issuer: Record<string, unknown>;
};

/** [what, issuer configuration (legit URLs), field, rewrite to the attacker]. */
const CASES: [string, () => Record<string, unknown>, string, (doc: Doc) => void][] = [
  [
    'probe URL',
    () => ({ type: 'generated', length: 40 }),
    'test.probe.url',
    (d) => void ((d.test.probe as Doc).url = `${attacker.url}/probe`),
  ],
  [
    'token endpoint',
    () => ({ type: 'generated', length: 40 }),
    'test.tokenEndpoint',
    (d) => void (d.test.tokenEndpoint = `${attacker.url}/token`),
  ],
  [
    'discovery URL',
    () => ({ type: 'generated', length: 40 }),
    'test.discoveryUrl',
    (d) => void (d.test.discoveryUrl = `${attacker.url}/.well-known/openid-configuration`),
  ],
  [
    'Okta org URL',
    () => ({ type: 'okta', orgUrl: legit.url, appId: 'app', apiTokenSecretArn: adminSecret }),
    'issuer.orgUrl',
    (d) => void (d.issuer.orgUrl = attacker.url),
  ],
  [
    'Entra login URL',
    () => ({
      type: 'entra',
      tenantId: 't',
      applicationObjectId: 'o',
      adminCredentialsSecretArn: adminSecret,
      graphUrl: legit.url,
      loginUrl: legit.url,
    }),
    'issuer.loginUrl',
    (d) => void (d.issuer.loginUrl = attacker.url),
  ],
  [
    'Entra Graph URL',
    () => ({
      type: 'entra',
      tenantId: 't',
      applicationObjectId: 'o',
      adminCredentialsSecretArn: adminSecret,
      graphUrl: legit.url,
      loginUrl: legit.url,
    }),
    'issuer.graphUrl',
    (d) => void (d.issuer.graphUrl = attacker.url),
  ],
  [
    'Auth0 domain',
    () => ({ type: 'auth0', domainUrl: legit.url, managementCredentialsSecretArn: adminSecret }),
    'issuer.domainUrl',
    (d) => void (d.issuer.domainUrl = attacker.url),
  ],
  [
    'RFC 7592 registration URI',
    () => ({
      type: 'rfc7592',
      registrationClientUri: `${legit.url}/reg/c1`,
      registrationAccessTokenSecretArn: adminSecret,
    }),
    'issuer.registrationClientUri',
    (d) => void (d.issuer.registrationClientUri = `${attacker.url}/reg/c1`),
  ],
  [
    'webhook URL',
    () => ({ type: 'webhook', url: `${legit.url}/mint`, hmacSecretArn: adminSecret }),
    'issuer.url',
    (d) => void (d.issuer.url = `${attacker.url}/mint`),
  ],
  [
    'Okta admin secret',
    () => ({ type: 'okta', orgUrl: legit.url, appId: 'app', apiTokenSecretArn: adminSecret }),
    'issuer.apiTokenSecretArn',
    (d) => void (d.issuer.apiTokenSecretArn = 'gatewarden-admin/someone-elses'),
  ],
];

describe('a PutSecretValue-only writer cannot steer the rotator (local stack)', () => {
  it.each(CASES)(
    'rewritten %s: nothing reaches the rewritten target',
    async (_what, issuer, field, rewrite) => {
      // Prepare: a registered API key on a real MANAGED provider, probe at the legit server.
      attacker.hits.length = 0;
      legit.hits.length = 0;
      const providerName = uniqueName('gw-trust');
      const initial = `initial-${randomUUID()}`;
      await control().send(
        new CreateApiKeyCredentialProviderCommand({ name: providerName, apiKey: initial }),
      );
      const secretArn = await createGatewardenSecret(
        {
          kind: 'apiKey',
          gatewayId: 'gw-trust',
          provider: { type: 'apiKey', name: providerName, secretSource: 'MANAGED' },
          issuer: issuer(),
          test: {
            attempts: 1,
            probe: { url: `${legit.url}/probe` },
            discoveryUrl: `${legit.url}/.well-known/openid-configuration`,
            tokenEndpoint: `${legit.url}/token`,
          },
          graceSeconds: 0,
          issuerCredentialId: 'registered-1',
          retiring: [{ issuerCredentialId: 'old-1', retireAfter: '2020-01-01T00:00:00.000Z' }],
          apiKey: initial,
        },
        providerName,
      );
      // The attacker: only PutSecretValue, through the real SDK.
      const doc = (await docAt(secretArn, 'AWSCURRENT')) as unknown as Doc;
      rewrite(doc);
      await localClient(SecretsManagerClient).send(
        new PutSecretValueCommand({ SecretId: secretArn, SecretString: JSON.stringify(doc) }),
      );
      const alerts = new MemoryAlertSink();
      const handler = rotateHandler({
        ...rotateFunction,
        alerts: [...rotateFunction.alerts, alerts],
      });
      const pending = randomUUID();
      await localClient(SecretsManagerClient).send(
        new PutSecretValueCommand({
          SecretId: secretArn,
          ClientRequestToken: pending,
          SecretString: JSON.stringify(doc),
          VersionStages: ['AWSPENDING'],
        }),
      );

      // Act: the rotate function's testSecret (Secrets Manager's check), the driver, the sweep.
      await expect(
        handler(
          { Step: 'testSecret', SecretId: secretArn, ClientRequestToken: pending } as RotateEvent,
          {} as Context,
        ),
      ).rejects.toThrow(field);
      await expect(driveRotation(cli, secretArn)).rejects.toThrow(/BindingMismatchError/);
      await expect(sweepSecret(sweeper, secretArn)).rejects.toThrow(field);

      // Assess: nothing reached either server; the provider still serves the working key.
      expect(attacker.hits).toEqual([]);
      expect(legit.hits).toEqual([]);
      expect(await servedApiKey(workloadName, providerName)).toBe(initial);
      expect(JSON.stringify(alerts.alerts)).toContain(field);
      expect((await docAt(secretArn, 'AWSCURRENT')).apiKey).toBe(initial);
    },
  );

  it('rewritten provider name: the other provider is not touched', async () => {
    // Prepare: ours and a victim provider; the attacker points the document at the victim.
    const ours = uniqueName('gw-ours');
    const victim = uniqueName('gw-victim');
    for (const name of [ours, victim]) {
      await control().send(
        new CreateApiKeyCredentialProviderCommand({ name, apiKey: `value-of-${name}` }),
      );
    }
    const secretArn = await createGatewardenSecret(
      {
        kind: 'apiKey',
        gatewayId: 'gw-trust',
        provider: { type: 'apiKey', name: ours, secretSource: 'MANAGED' },
        issuer: { type: 'generated', length: 40 },
        test: { attempts: 1 },
        apiKey: `value-of-${ours}`,
      },
      ours,
    );
    const doc = (await docAt(secretArn, 'AWSCURRENT')) as unknown as Doc;
    (doc.provider as Doc).name = victim;
    await sm().send(
      new PutSecretValueCommand({ SecretId: secretArn, SecretString: JSON.stringify(doc) }),
    );

    // Act
    await expect(driveRotation(cli, secretArn)).rejects.toThrow(/BindingMismatchError/);

    // Assess
    expect(await servedApiKey(workloadName, victim)).toBe(`value-of-${victim}`);
    expect(await servedApiKey(workloadName, ours)).toBe(`value-of-${ours}`);
  });
});
