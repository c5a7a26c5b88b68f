/**
 * The rotation fault matrix on the local stack (issue 9): real SDK clients, moto's Secrets
 * Manager and DynamoDB, the AgentCore and Cognito stand-ins, and real HTTP test endpoints.
 * Every AWS call of the rotating "process" goes through a fault proxy, which can kill it at any
 * call — before the call reaches the service, or after it took effect with its reply lost — so
 * a crash lands between every two calls a rotation makes. After a crash the operator's next
 * `rotate` (with `--force` when the dead run's lease is still held) must recover. The rotating
 * process is `gatewarden rotate` on the local stack: its engine signs as the deployed rotate
 * role, its lease as the operator; the sweep runs as the rotateNow role. Besides the
 * crashes: a probe that fails, a token endpoint that fails, a probe that never answers, and a
 * second rotation racing the first.
 *
 * After every cell: the provider serves AWSCURRENT's credential, AWSCURRENT works at the issuer,
 * no AWSPENDING is left, a bystander credential gatewarden never minted is untouched, and once
 * the grace period is over the issuer holds nothing but AWSCURRENT's credential.
 */
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CognitoIdentityProviderClient,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  ListUserPoolClientSecretsCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import {
  CreateApiKeyCredentialProviderCommand,
  CreateGatewayCommand,
} from '@aws-sdk/client-bedrock-agentcore-control';
import type { DriveOptions } from '../../../lib/rotation/driver.js';
import { RotationInProgressError } from '../../../lib/rotation/errors.js';
import { STAGE, versionWithStage, type RotationDeps } from '../../../lib/rotation/ports.js';
import { HttpCredentialVerifier } from '../../../lib/rotation/verifier.js';
import { FaultProxy, type CrashPlan } from '../../support/faultProxy.js';
import { localClient, localStack, uniqueName } from '../../support/localStack.js';
import { driveRotation, sweepSecret } from './asRole.js';
import {
  control,
  createGatewardenSecret,
  docAt,
  localStateTable,
  operatorLock,
  rotatorDeps,
  servedApiKey as servedBy,
  stagesOf,
  sweeperDeps,
  tagForRotation,
  tokenStatus,
  workload,
} from './support.js';

const GRACE_SECONDS = 600;

let proxy: FaultProxy;
let workloadName = '';

/** The probe an API key is tested with: `fail` answers 401, `hang` never answers. */
let probeMode: 'ok' | 'fail' | 'hang' = 'ok';
let probe: Server;
let probeUrl = '';

/** An IdP in front of the Cognito stand-in whose token endpoint can be made to fail. */
let failToken = false;
let idp: Server;
let idpUrl = '';

beforeAll(async () => {
  const { endpoint } = localStack();
  await localStateTable();
  workloadName = await workload();
  proxy = new FaultProxy(endpoint);
  await proxy.start();
  probe = createServer((_request, response) => {
    if (probeMode === 'hang') return; // the verifier's timeout ends it
    response.writeHead(probeMode === 'ok' ? 200 : 401).end();
  });
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  probeUrl = `http://127.0.0.1:${(probe.address() as AddressInfo).port}/ping`;
  idp = createServer((request, response) => {
    void wrapIdp(endpoint, request, response);
  });
  await new Promise<void>((resolve) => idp.listen(0, '127.0.0.1', resolve));
  idpUrl = `http://127.0.0.1:${(idp.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await proxy.stop();
  probe.closeAllConnections();
  await new Promise((resolve) => probe.close(resolve));
  await new Promise((resolve) => idp.close(resolve));
});

/**
 * `/cognito/<pool>/…` of the stand-in, served on this server's own origin (the stand-in names
 * its issuer after the Host header, so issuer, token endpoint and JWKS are all here, as a
 * rotation pinned at registration expects), except that the token endpoint answers
 * `invalid_client` while {@link failToken} is set.
 */
async function wrapIdp(
  endpoint: string,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const path = request.url ?? '/';
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  if (path.endsWith('/oauth2/token') && failToken) {
    response.writeHead(401, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ error: 'invalid_client' }));
    return;
  }
  // node:http rather than fetch: fetch does not send a Host header of the caller's choosing.
  const upstream = new URL(path, endpoint);
  const answer = await new Promise<IncomingMessage>((resolve, reject) => {
    const forwarded = httpRequest(
      upstream,
      {
        method: request.method ?? 'GET',
        headers: { ...request.headers, host: new URL(idpUrl).host },
      },
      resolve,
    );
    forwarded.on('error', reject);
    forwarded.end(Buffer.concat(chunks));
  });
  const body: Buffer[] = [];
  for await (const chunk of answer) body.push(chunk as Buffer);
  response.writeHead(answer.statusCode ?? 502, { 'content-type': 'application/json' });
  response.end(Buffer.concat(body));
}

/**
 * The CLI's local mode (`gatewarden rotate` on the local stack), every AWS client pointed at
 * `endpoint` (the fault proxy, or the stack): the engine signs as the deployed rotate role, the
 * lease is the operator's own (cli/commands/rotate.ts).
 */
async function rotateAt(endpoint?: string): Promise<RotationDeps> {
  const at = endpoint ? { endpoint } : {};
  return {
    ...(await rotatorDeps(workloadName, at)),
    lock: operatorLock(at),
    verifier: new HttpCredentialVerifier(fetch, 400),
    backoffMs: () => 20,
  };
}

/** One registered credential under test, and how to judge it. */
interface Subject {
  secretArn: string;
  /** Why the world is unsafe now (empty: safe). `final`: after the grace period's sweep. */
  unsafe(final: boolean): Promise<string[]>;
}

async function apiKeySubject(): Promise<Subject> {
  const providerName = uniqueName('gw-fault');
  const initial = `initial-${uniqueName('k')}`;
  await control().send(
    new CreateApiKeyCredentialProviderCommand({ name: providerName, apiKey: initial }),
  );
  const secretArn = await createGatewardenSecret(
    {
      kind: 'apiKey',
      gatewayId: 'gw-local-faults',
      provider: { type: 'apiKey', name: providerName, secretSource: 'MANAGED' },
      issuer: { type: 'generated', length: 32, excludePunctuation: true },
      test: { attempts: 2, probe: { url: probeUrl } },
      graceSeconds: GRACE_SECONDS,
      apiKey: initial,
    },
    providerName,
  );
  return {
    secretArn,
    async unsafe() {
      const reasons: string[] = [];
      const current = await docAt(secretArn, 'AWSCURRENT');
      if ((await servedApiKey(providerName)) !== current.apiKey)
        reasons.push('the provider does not serve AWSCURRENT');
      if ((await stagesOf(secretArn)).flat().includes('AWSPENDING'))
        reasons.push('AWSPENDING is left');
      return reasons;
    },
  };
}

async function inboundSubject(): Promise<Subject> {
  const cognito = localClient(CognitoIdentityProviderClient);
  const pool = await cognito.send(new CreateUserPoolCommand({ PoolName: uniqueName('gw-fault') }));
  const userPoolId = pool.UserPool?.Id ?? '';
  // `register` tags the pool it rotates: the rotate and rotateNow roles may touch no other.
  await tagForRotation(pool.UserPool?.Arn ?? '');
  const client = async (name: string) =>
    (
      await cognito.send(
        new CreateUserPoolClientCommand({
          UserPoolId: userPoolId,
          ClientName: name,
          GenerateSecret: true,
        }),
      )
    ).UserPoolClient;
  const agent = await client('agent');
  const bystander = await client('bystander');
  const clientId = agent?.ClientId ?? '';
  const secretsOf = async (id: string) =>
    (
      await cognito.send(
        new ListUserPoolClientSecretsCommand({ UserPoolId: userPoolId, ClientId: id }),
      )
    ).ClientSecrets?.map((s) => s.ClientSecretId ?? '') ?? [];
  const bystanderIds = await secretsOf(bystander?.ClientId ?? '');
  const [initialId] = await secretsOf(clientId);
  const discoveryUrl = `${idpUrl}/cognito/${userPoolId}/.well-known/openid-configuration`;
  const tokenEndpoint = `${localStack().endpoint}/cognito/${userPoolId}/oauth2/token`;
  const gateway = await control().send(
    new CreateGatewayCommand({
      name: uniqueName('gw-fault'),
      roleArn: 'arn:aws:iam::123456789012:role/gatewarden-test-gateway',
      protocolType: 'MCP',
      authorizerType: 'CUSTOM_JWT',
      authorizerConfiguration: {
        customJWTAuthorizer: { discoveryUrl, allowedClients: [clientId] },
      },
    }),
  );
  const secretArn = await createGatewardenSecret(
    {
      kind: 'inboundClient',
      gatewayId: gateway.gatewayId ?? '',
      issuer: { type: 'cognito', userPoolId, clientId },
      test: { attempts: 2 },
      graceSeconds: GRACE_SECONDS,
      ...(initialId ? { issuerCredentialId: initialId } : {}),
      clientId,
      clientSecret: agent?.ClientSecret ?? '',
    },
    uniqueName('agent'),
  );
  return {
    secretArn,
    async unsafe(final) {
      const reasons: string[] = [];
      const current = await docAt(secretArn, 'AWSCURRENT');
      if ((await tokenStatus(tokenEndpoint, clientId, current.clientSecret ?? '')) !== 200)
        reasons.push('AWSCURRENT does not work at the issuer');
      if ((await stagesOf(secretArn)).flat().includes('AWSPENDING'))
        reasons.push('AWSPENDING is left');
      if ((await secretsOf(bystander?.ClientId ?? '')).join() !== bystanderIds.join())
        reasons.push('a credential gatewarden did not mint was revoked');
      const live = await secretsOf(clientId);
      if (final && live.join() !== (current.issuerCredentialId ?? ''))
        reasons.push(`the issuer holds ${live.length} secrets after the grace period`);
      return reasons;
    },
  };
}

/** What the provider serves, read from the data plane by the test (the admin). */
const servedApiKey = (providerName: string): Promise<string | undefined> =>
  servedBy(workloadName, providerName);

/**
 * The operator's next `rotate` after a crash: nothing when the dead run had finished everything
 * that matters (promoted, no AWSPENDING, lease released); else a rotation, with `--force` when
 * the dead run's lease is still live (which resumes the dead run's own version).
 */
async function recover(
  deps: RotationDeps,
  secretArn: string,
  currentBefore: string | undefined,
): Promise<void> {
  const meta = await deps.store.describe(secretArn);
  const landed = versionWithStage(meta, STAGE.current) !== currentBefore;
  const pending = versionWithStage(meta, STAGE.pending) !== undefined;
  const lease = await deps.lock?.holder(meta.arn);
  if (landed && !pending && !lease) return;
  try {
    await driveRotation(deps, secretArn);
  } catch (error) {
    if (!(error instanceof RotationInProgressError)) throw error;
    await driveRotation(deps, secretArn, { force: true });
  }
}

interface CellResult {
  variant: string;
  cell: string;
  /** The faulty run finished its rotation anyway. */
  completed: boolean;
  unsafe: string[];
}

const results: CellResult[] = [];

/**
 * One cell: a fresh subject, the faulty run through the proxy, safety right after it (for
 * faults the run survives) or after the operator's recovery (for crashes), then the sweep once
 * the grace period is over, and safety again.
 */
async function cell(
  variant: string,
  name: string,
  makeSubject: () => Promise<Subject>,
  fault: { crash?: CrashPlan; during?: () => void; after?: () => void; options?: DriveOptions },
): Promise<CellResult> {
  const subject = await makeSubject();
  const next = await rotateAt();
  const currentBefore = versionWithStage(
    await next.store.describe(subject.secretArn),
    STAGE.current,
  );
  proxy.reset(fault.crash ? { crash: fault.crash } : {});
  fault.during?.();
  const run = await rotateAt(proxy.url);
  const completed = await driveRotation(run, subject.secretArn, fault.options).then(
    () => !proxy.crashed,
    () => false,
  );
  fault.after?.();
  const unsafe: string[] = [];
  if (!proxy.crashed) unsafe.push(...(await subject.unsafe(false)).map((r) => `at once: ${r}`));
  if (proxy.crashed || !completed) {
    await recover(next, subject.secretArn, currentBefore).catch((error: unknown) =>
      unsafe.push(`recovery failed: ${String(error)}`),
    );
  }
  // The daily sweep, as the rotateNow function, once the grace period is over.
  const sweeper = await sweeperDeps(workloadName);
  sweeper.clock.offsetMs = (GRACE_SECONDS + 1) * 1000;
  await sweepSecret(sweeper, subject.secretArn).catch((error: unknown) =>
    unsafe.push(`sweep failed: ${String(error)}`),
  );
  unsafe.push(...(await subject.unsafe(true)));
  const result = { variant, cell: name, completed, unsafe };
  results.push(result);
  return result;
}

const variants: { name: string; subject: () => Promise<Subject> }[] = [
  { name: 'apiKey/MANAGED', subject: apiKeySubject },
  { name: 'inboundClient/cognito', subject: inboundSubject },
];

describe('rotation fault matrix on the local stack', () => {
  afterAll(() => {
    const completed = results.filter((r) => r.completed).length;
    const unsafe = results.filter((r) => r.unsafe.length > 0).length;
    process.stdout.write(
      `local-stack rotation fault matrix: ${results.length} cells (${variants.length} variants), ` +
        `${completed} completed, ${results.length - completed} failed or crashed safely, ${unsafe} unsafe\n`,
    );
  });

  describe.each(variants)('$name', ({ name, subject }) => {
    let trace: string[] = [];

    it('rotates cleanly through the proxy (the calls a crash can fall between)', async () => {
      const result = await cell(name, 'clean', subject, {});
      trace = [...proxy.calls];
      expect(result).toMatchObject({ completed: true, unsafe: [] });
      expect(trace.length).toBeGreaterThan(10);
    });

    it('survives a crash between any two calls, with the call taking effect or not', async () => {
      // Dying before call n leaves the world as dying after call n-1 (its reply lost) does, so
      // "before the first call" plus "after each call" is every point a crash can fall on.
      if (trace.length === 0) {
        await cell(name, 'clean', subject, {});
        trace = [...proxy.calls];
      }
      const plans: CrashPlan[] = [
        { at: 1, mode: 'before' },
        ...trace.map((_op, i) => ({ at: i + 1, mode: 'after' as const })),
      ];
      const unsafe: string[] = [];
      for (const plan of plans) {
        const label = `crash ${plan.mode} call ${plan.at} (${trace[plan.at - 1] ?? ''})`;
        const result = await cell(name, label, subject, { crash: plan });
        if (result.unsafe.length > 0) unsafe.push(`${label}: ${result.unsafe.join('; ')}`);
      }
      expect(unsafe).toEqual([]);
      // A cell per call a rotation makes (some fifty for an inbound client), each evaluated by
      // the stack's IAM as the roles' calls.
    }, 900_000);

    it('fails safely when the new credential fails its test', async () => {
      const fault =
        name === 'apiKey/MANAGED'
          ? { during: () => (probeMode = 'fail'), after: () => (probeMode = 'ok') }
          : { during: () => (failToken = true), after: () => (failToken = false) };
      const result = await cell(name, 'test fails', subject, fault);
      expect(result).toMatchObject({ completed: false, unsafe: [] });
    });

    it('survives a second rotation racing the first', async () => {
      const subjectNow = await subject();
      proxy.reset();
      const [a, b] = await Promise.allSettled([
        driveRotation(await rotateAt(), subjectNow.secretArn),
        driveRotation(await rotateAt(), subjectNow.secretArn),
      ]);
      const outcomes = [a.status, b.status].sort();
      const unsafe = await subjectNow.unsafe(false);
      results.push({ variant: name, cell: 'racing', completed: true, unsafe });
      expect(outcomes).toEqual(['fulfilled', 'rejected']);
      const refused = [a, b].find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect(refused.reason).toBeInstanceOf(RotationInProgressError);
      expect(unsafe).toEqual([]);
    });
  });

  it('fails safely when the probe never answers (the verifier times out)', async () => {
    const result = await cell('apiKey/MANAGED', 'probe hangs', apiKeySubject, {
      during: () => (probeMode = 'hang'),
      after: () => (probeMode = 'ok'),
    });
    expect(result).toMatchObject({ completed: false, unsafe: [] });
  });
});
