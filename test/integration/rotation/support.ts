/** Helpers for rotation integration tests on the local stack (real SDK clients). */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutResourcePolicyCommand,
  RotateSecretCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import {
  BedrockAgentCoreClient,
  GetResourceApiKeyCommand,
  GetWorkloadAccessTokenCommand,
} from '@aws-sdk/client-bedrock-agentcore';
import {
  BedrockAgentCoreControlClient,
  CreateWorkloadIdentityCommand,
} from '@aws-sdk/client-bedrock-agentcore-control';
import { KMSClient } from '@aws-sdk/client-kms';
import { DynamoDbBindingStore } from '../../../lib/aws/bindingStore.js';
import { KmsItemMac } from '../../../lib/aws/kmsItemMac.js';
import type { ItemMacs } from '../../../lib/rotation/itemMac.js';
import { LOCAL_STAGE } from '../../../scripts/localStage.js';
import { SecretsManagerRotationControl } from '../../../lib/aws/rotationControl.js';
import { rebindCredential } from '../../../lib/rotation/rebind.js';
import type { DestinationReaders } from '../../../lib/rotation/liveDestinations.js';
import { ENV } from '../../../lib/shared/env.js';
import { withLocalStateTable } from '../../../cli/commands/localState.js';
import { AgentCoreGatewayReader } from '../../../lib/aws/gatewayReader.js';
import { AgentCoreProviders } from '../../../lib/aws/identityProviders.js';
import { CognitoIssuer } from '../../../lib/aws/cognitoIssuer.js';
import { SecretsManagerStore } from '../../../lib/aws/secretsStore.js';
import { MemoryAlertSink } from '../../../lib/alerts/alert.js';
import { MapIssuerRegistry } from '../../../lib/rotation/issuerRegistry.js';
import { GeneratedIssuer } from '../../../lib/rotation/issuers/generated.js';
import { Rfc7592Issuer } from '../../../lib/rotation/issuers/rfc7592.js';
import type { Clock, RotationDeps } from '../../../lib/rotation/ports.js';
import type { SecretDocument } from '../../../lib/rotation/secretDocument.js';
import { HttpCredentialVerifier } from '../../../lib/rotation/verifier.js';
import {
  registerOidcClient as registerLocalClient,
  type RegisteredClient,
} from '../../../local/oidcRegistration.js';
import { withClientCredentials, type ClientCredentials } from '../../../lib/aws/clients.js';
import { AwsRotationTagger } from '../../../lib/aws/rotationTagger.js';
import { awsRotationDeps, type AwsRotationDeps } from '../../../lib/aws/rotationDeps.js';
import { DynamoDbRotationLock } from '../../../lib/aws/rotationLock.js';
import type { HandleStepDeps } from '../../../lib/rotation/handleStep.js';
import { defaultDeps as rotateFunctionDeps } from '../../../functions/rotate.js';
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import {
  ADMIN_ARN,
  deployedEnvironment,
  deployedFunction,
  functionCredentials,
} from '../../support/functionRoles.js';
import { adminBecause } from '../../support/runsAsRole.js';
import { secretResourcePolicy } from '../../../lib/rotation/registerPolicy.js';
import { localClient, localStack, testClientConfig, uniqueName } from '../../support/localStack.js';

/** Wall clock plus an offset the test can move (to pass a grace period without waiting). */
export class ShiftedClock implements Clock {
  offsetMs = 0;
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, Math.min(ms, 200)));
  }
}

export const sm = (): SecretsManagerClient => localClient(SecretsManagerClient);
export const control = (): BedrockAgentCoreControlClient =>
  localClient(BedrockAgentCoreControlClient);
export const dataPlane = (): BedrockAgentCoreClient => localClient(BedrockAgentCoreClient);

/** A workload identity for data-plane read-backs. */
export async function workload(): Promise<string> {
  const name = uniqueName('gw-rotator');
  await control().send(new CreateWorkloadIdentityCommand({ name }));
  return name;
}

let stateTable: string | undefined;

/** The local stage's state table (created when missing), where bindings are pinned. */
export async function localStateTable(): Promise<string> {
  stateTable ??= (await withLocalStateTable({ ...process.env, [ENV.stateTable]: '' }))[
    ENV.stateTable
  ];
  if (!stateTable) throw new Error('no local state table');
  return stateTable;
}

/** Bindings in the local state table (the table must exist: see {@link localStateTable}). */
export function localBindings(): DynamoDbBindingStore {
  return new DynamoDbBindingStore(
    stateTable ?? 'gatewarden-local-state',
    localMacs(),
    localClient(DynamoDBClient),
  );
}

/** The local stage's MAC keys (see {@link localStateTable}, which makes them when missing). */
export function localMacs(kms: KMSClient = localClient(KMSClient)): ItemMacs {
  return {
    binding: new KmsItemMac(LOCAL_STAGE.bindingMacKey, kms),
    ledger: new KmsItemMac(LOCAL_STAGE.ledgerMacKey, kms),
  };
}

const sessions = new Map<'rotate' | 'rotateNow', { at: number; credentials: ClientCredentials }>();

/**
 * The deployed function's role session, taken again after 15 minutes (well inside its hour):
 * tests that build many engines (the fault matrix, a few per cell) share one.
 */
async function roleCredentials(fn: 'rotate' | 'rotateNow'): Promise<ClientCredentials> {
  const kept = sessions.get(fn);
  if (kept && Date.now() - kept.at < 15 * 60_000) return kept.credentials;
  const credentials = await functionCredentials(fn);
  sessions.set(fn, { at: Date.now(), credentials });
  return credentials;
}

/** Who signs an engine's calls: a deployed function's role, or the admin for a stated reason. */
type Signer = { role: 'rotate' | 'rotateNow' } | { adminBecause: string };

/** Where the engine's clients send their calls: the stack, or a fault proxy in front of it. */
export interface PortOptions {
  endpoint?: string;
}

/**
 * The engine wired to the local stack with real adapters; only the clock is the test's. Its
 * clients sign as `signer`: a deployed function's role session, or the stack's admin when a test
 * hands the engine to it with a reason (checked by ./asRole.ts before anything runs).
 */
async function localDeps(
  workloadName: string,
  signer: Signer,
  options: PortOptions = {},
): Promise<RotationDeps & { clock: ShiftedClock; events: MemoryAlertSink[] }> {
  const credentials = 'role' in signer ? await roleCredentials(signer.role) : undefined;
  const as = <C>(
    ctor: new (config: {
      region: string;
      maxAttempts: number;
      credentials?: ClientCredentials;
      endpoint?: string;
    }) => C,
  ): C =>
    new ctor({
      ...testClientConfig(),
      ...(credentials ? { credentials } : {}),
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    });
  // Made inside the role's scope: configs the adapters keep to make clients later sign as it too.
  const make = () => {
    const store = new SecretsManagerStore(as(SecretsManagerClient));
    const controlPlane = as(BedrockAgentCoreControlClient);
    const providers = new AgentCoreProviders(
      controlPlane,
      as(BedrockAgentCoreClient),
      workloadName,
    );
    return {
      store,
      bindings: new DynamoDbBindingStore(
        stateTable ?? 'gatewarden-local-state',
        localMacs(as(KMSClient)),
        as(DynamoDBClient),
      ),
      providers,
      // The data-plane read-back is the CLI's; the deployed functions have no grant for it.
      ...(credentials ? {} : { providerReader: providers }),
      gateways: new AgentCoreGatewayReader(controlPlane),
      verifier: new HttpCredentialVerifier(),
      issuers: new MapIssuerRegistry([
        new GeneratedIssuer(store),
        new CognitoIssuer(as(CognitoIdentityProviderClient)),
        new Rfc7592Issuer(store),
      ]),
      clock: new ShiftedClock(),
      events: [new MemoryAlertSink()],
      backoffMs: () => 100,
    };
  };
  const deps = credentials ? withClientCredentials(credentials, make) : make();
  return 'adminBecause' in signer ? adminBecause(signer.adminBecause, deps) : deps;
}

/**
 * The engine as the deployed rotate function runs it: every call signed by its role's session,
 * so the shared stack's IAM decides each one as AWS would. Set-up stays the admin's; what the
 * engine acts on must be registered as `gatewarden register` does (see
 * {@link createGatewardenSecret}, {@link tagForRotation}).
 */
export async function rotatorDeps(
  workloadName: string,
  options: PortOptions = {},
): Promise<Awaited<ReturnType<typeof localDeps>>> {
  return localDeps(workloadName, { role: 'rotate' }, options);
}

/** The engine as the sweep runs it: the deployed rotateNow function's role. */
export async function sweeperDeps(
  workloadName: string,
  options: PortOptions = {},
): Promise<Awaited<ReturnType<typeof localDeps>>> {
  return localDeps(workloadName, { role: 'rotateNow' }, options);
}

/**
 * The engine with the stack's admin credentials, for a test that states why no deployed role
 * runs it (`because`, checked: at least a sentence). Never the default.
 */
export async function adminDeps(
  workloadName: string,
  because: string,
): Promise<Awaited<ReturnType<typeof localDeps>>> {
  return localDeps(workloadName, { adminBecause: because });
}

/**
 * The in-process driver's lease as `gatewarden rotate` takes it on the local stack: with the
 * operator's own credentials (here the stack's admin), in the stage's state table.
 */
export function operatorLock(options: PortOptions = {}): DynamoDbRotationLock {
  return new DynamoDbRotationLock(
    stateTable ?? 'gatewarden-local-state',
    new DynamoDBClient({
      ...testClientConfig(),
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    }),
  );
}

/**
 * The product's own wiring of a deployed function, as it runs in Lambda: its deployed
 * environment, every client made inside its role's session. `rotate`: functions/rotate.ts's
 * ports (no data-plane read-back, failure tag recorder, the stage's topic and bus); `rotateNow`:
 * the engine its sweep runs on (functions/rotateNow.ts).
 */
export async function deployedFunctionDeps(fn: 'rotate'): Promise<HandleStepDeps & AwsRotationDeps>;
export async function deployedFunctionDeps(fn: 'rotateNow'): Promise<AwsRotationDeps>;
export async function deployedFunctionDeps(fn: 'rotate' | 'rotateNow'): Promise<AwsRotationDeps> {
  const env = { ...process.env, ...(await deployedEnvironment(fn)) };
  const credentials = await roleCredentials(fn);
  return withClientCredentials(credentials, () =>
    fn === 'rotate'
      ? (rotateFunctionDeps(env) as HandleStepDeps & AwsRotationDeps)
      : awsRotationDeps(env),
  );
}

/**
 * The ports of `gatewarden rotate` on the local stack (cli/commands/rotate.ts): the product's
 * engine as the rotate role, the lease the operator's.
 */
export async function cliRotationDeps(): Promise<AwsRotationDeps> {
  const env = { ...process.env, ...(await deployedEnvironment('rotate')) };
  const credentials = await roleCredentials('rotate');
  return {
    ...withClientCredentials(credentials, () => awsRotationDeps(env)),
    lock: operatorLock(),
  };
}

/** Tags providers and user pools `gatewarden:rotated=true`, as `gatewarden register` does. */
export async function tagForRotation(...arns: string[]): Promise<void> {
  await new AwsRotationTagger().tag(arns);
}

/** The ARN of an AgentCore Identity credential provider of the local account. */
export function providerArn(type: 'apiKey' | 'oauth2', name: string): string {
  const kind = type === 'apiKey' ? 'apikeycredentialprovider' : 'oauth2credentialprovider';
  return `arn:aws:bedrock-agentcore:${localStack().region}:123456789012:token-vault/default/${kind}/${name}`;
}

/**
 * Creates a gatewarden secret holding `doc`, turns rotation on (moto: no Lambda needed) and
 * pins its binding the way an admin does (`gatewarden register update --yes`).
 */
export async function createGatewardenSecret(
  doc: Record<string, unknown>,
  name: string,
): Promise<string> {
  const created = await sm().send(
    new CreateSecretCommand({
      Name: `gatewarden/${String(doc.gatewayId)}/${String(doc.kind)}/${name}`,
      SecretString: JSON.stringify({ schemaVersion: 1, retiring: [], ...doc }),
      Tags: [
        { Key: 'gatewarden:gateway', Value: String(doc.gatewayId) },
        { Key: 'gatewarden:kind', Value: String(doc.kind) },
      ],
    }),
  );
  const arn = created.ARN ?? '';
  // `register` tags the provider it rotates: the rotate role may update no other.
  // (An EXTERNAL provider is never updated: it reads the secret, and may not exist yet.)
  const provider = doc.provider as
    { type?: string; name?: string; secretSource?: string } | undefined;
  if (
    provider?.name &&
    provider.secretSource !== 'EXTERNAL' &&
    (provider.type === 'apiKey' || provider.type === 'oauth2')
  )
    await tagForRotation(providerArn(provider.type, provider.name));
  // Without a rotation function moto applies the rules and re-labels a copy as AWSCURRENT.
  await sm().send(
    new RotateSecretCommand({
      SecretId: arn,
      RotationRules: { AutomaticallyAfterDays: 30 },
      RotateImmediately: false,
    }),
  );
  const described = await sm().send(new DescribeSecretCommand({ SecretId: arn }));
  if (!described.RotationEnabled)
    throw new Error('rotation did not get enabled on the test secret');
  // An EXTERNAL provider reads the secret as AgentCore Identity, which the secret's own policy
  // must allow for that provider: the policy `register` writes (readers and writers the stack's
  // admin and the deployed rotate role).
  if (provider?.name && provider.secretSource === 'EXTERNAL' && provider.type === 'apiKey') {
    const rotate = await deployedFunction('rotate');
    await sm().send(
      new PutResourcePolicyCommand({
        SecretId: arn,
        ResourcePolicy: secretResourcePolicy({
          readers: [ADMIN_ARN, rotate.roleArn],
          writers: [ADMIN_ARN, rotate.roleArn],
          rotationLambdaArn: rotate.functionArn,
          agentcoreProviderArn: providerArn(provider.type, provider.name),
        }),
      }),
    );
  }
  await localStateTable();
  const rebind = {
    control: new SecretsManagerRotationControl(sm()),
    bindings: localBindings(),
    destinations: localDestinationReaders(),
  };
  const review = await rebindCredential(rebind, { secretId: arn, apply: false });
  await rebindCredential(rebind, { secretId: arn, apply: true, expect: review.reviewHash });
  return arn;
}

/** What `register` and `register update` read live to pin, on the local stack. */
export function localDestinationReaders(): DestinationReaders {
  return {
    gateways: new AgentCoreGatewayReader(control()),
    providers: new AgentCoreProviders(control()),
    discovery: new HttpCredentialVerifier(),
  };
}

export async function docAt(secretId: string, stage: string): Promise<SecretDocument> {
  const out = await sm().send(
    new GetSecretValueCommand({ SecretId: secretId, VersionStage: stage }),
  );
  return JSON.parse(out.SecretString ?? '{}') as SecretDocument;
}

export async function stagesOf(secretId: string): Promise<string[][]> {
  const out = await sm().send(new DescribeSecretCommand({ SecretId: secretId }));
  return Object.values(out.VersionIdsToStages ?? {}).filter((stages) => stages.length > 0);
}

/** What the AgentCore data plane serves for an API-key provider right now. */
export async function servedApiKey(
  workloadName: string,
  providerName: string,
): Promise<string | undefined> {
  const token = await dataPlane().send(new GetWorkloadAccessTokenCommand({ workloadName }));
  const out = await dataPlane().send(
    new GetResourceApiKeyCommand({
      workloadIdentityToken: token.workloadAccessToken,
      resourceCredentialProviderName: providerName,
    }),
  );
  return out.apiKey;
}

/** client_credentials at a token endpoint: the HTTP status (200 = the secret works). */
export async function tokenStatus(
  tokenEndpoint: string,
  clientId: string,
  clientSecret: string,
): Promise<number> {
  const response = await fetch(tokenEndpoint, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: 'grant_type=client_credentials',
  });
  await response.body?.cancel();
  return response.status;
}

/** Registers a client at the local OIDC provider (RFC 7591) for rotation through RFC 7592. */
export async function registerOidcClient(): Promise<RegisteredClient> {
  const { oidcIssuer, oidcInitialAccessToken } = localStack();
  return registerLocalClient(oidcIssuer, uniqueName('gw-rotation'), oidcInitialAccessToken);
}

/** A secret outside gatewarden's prefixes (e.g. the one agents read a client secret from). */
export async function createPlainSecret(value: string): Promise<string> {
  const out = await sm().send(
    new CreateSecretCommand({ Name: uniqueName('gw-plain'), SecretString: value }),
  );
  return out.ARN ?? '';
}

/** An issuer admin secret, under gatewarden-admin/ as the document schema requires. */
export async function createAdminSecret(value: string): Promise<string> {
  const out = await sm().send(
    new CreateSecretCommand({ Name: `gatewarden-admin/${uniqueName('gw')}`, SecretString: value }),
  );
  return out.ARN ?? '';
}
