/**
 * The resources the sample events in events/ name, created on the local stack so that every
 * one of them runs with `npm run invoke:local` (scripts/invokeLocal.ts):
 * - the gateway SAMPLE.gatewayId with an execution role, and the API-key credential provider
 *   SAMPLE.provider (its key generated here, never printed);
 * - its key registered with gatewarden as `gatewarden/<gateway>/apiKey/<provider>` (the real
 *   `gatewarden register`, which pins the binding in the local state table, points the provider
 *   at the secret and enables rotation with the local stage's rotate function);
 * - for a rotate.<step> event: the rotation the event belongs to, i.e. its ClientRequestToken
 *   staged AWSPENDING as RotateSecret leaves it, and for the steps after createSecret, the new
 *   credential createSecret would have stored (so each step also runs on its own).
 *
 * moto draws gateway ids at random; its seed API makes them repeatable, so the sample gateway
 * gets the same id on every fresh stack (SAMPLE.seed). Idempotent; local stack only.
 */
import {
  BedrockAgentCoreControlClient,
  CreateApiKeyCredentialProviderCommand,
  CreateGatewayCommand,
  GetGatewayCommand,
} from '@aws-sdk/client-bedrock-agentcore-control';
import { CreateRoleCommand, GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  RotateSecretCommand,
  SecretsManagerClient,
  TagResourceCommand,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { clientConfig } from '../lib/aws/clients.js';
import { LOCAL_STAGE } from './localStage.js';
import { asFunctionRole } from '../local/functionRole.js';

const ROOT = resolve(import.meta.dirname, '..');
const run = promisify(execFile);

/** What the sample events name. Keep events/*.json in step (test/unit/infra/events.test.ts). */
export const SAMPLE = {
  /** moto's first gateway id after `POST /moto-api/seed?a=<seed>`. */
  seed: 20261128,
  gatewayId: 'e330ccb17b',
  gatewayName: 'sample-gateway',
  roleName: 'gatewarden-sample-gateway-execution',
  provider: 'weather-api',
  region: 'us-east-1',
  account: '123456789012',
  tag: { Key: 'team', Value: 'samples' },
};

/** The sample secret's name and its partial ARN (without the random suffix; AWS accepts both). */
export function sampleSecret(gatewayId: string): { name: string; partialArn: string } {
  const name = `gatewarden/${gatewayId}/apiKey/${SAMPLE.provider}`;
  return {
    name,
    partialArn: `arn:aws:secretsmanager:${SAMPLE.region}:${SAMPLE.account}:secret:${name}`,
  };
}

const notFound = (error: unknown): boolean =>
  ['ResourceNotFoundException', 'NoSuchEntityException'].includes(
    (error as { name?: string }).name ?? '',
  );

async function sampleRole(iam: IAMClient): Promise<string> {
  const existing = await iam.send(new GetRoleCommand({ RoleName: SAMPLE.roleName })).catch((e) => {
    if (notFound(e)) return undefined;
    throw e;
  });
  if (existing?.Role?.Arn) return existing.Role.Arn;
  const created = await iam.send(
    new CreateRoleCommand({
      RoleName: SAMPLE.roleName,
      AssumeRolePolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { Service: 'bedrock-agentcore.amazonaws.com' },
            Action: 'sts:AssumeRole',
          },
        ],
      }),
    }),
  );
  return created.Role?.Arn ?? '';
}

/**
 * The sample gateway, created right after seeding moto's random generator so its id is the
 * one the events name. Another client drawing random numbers in between would shift it: then
 * this fails with a message saying so, and a rerun (on a quiet stack) succeeds.
 */
async function sampleGateway(
  control: BedrockAgentCoreControlClient,
  roleArn: string,
  expectedId: string,
): Promise<string> {
  const existing = await control
    .send(new GetGatewayCommand({ gatewayIdentifier: expectedId }))
    .catch((e) => {
      if (notFound(e)) return undefined;
      throw e;
    });
  if (existing?.gatewayId) return existing.gatewayId;
  const endpoint = process.env.AWS_ENDPOINT_URL ?? '';
  const seeded = await fetch(`${endpoint}/moto-api/seed?a=${SAMPLE.seed}`, { method: 'POST' });
  if (!seeded.ok) throw new Error(`seeding moto failed with HTTP ${seeded.status}`);
  const created = await control.send(
    new CreateGatewayCommand({
      name: SAMPLE.gatewayName,
      roleArn,
      protocolType: 'MCP',
      authorizerType: 'AWS_IAM',
    }),
  );
  if (created.gatewayId !== expectedId) {
    throw new Error(
      `the sample gateway got id ${created.gatewayId ?? '?'}, not ${expectedId} (another client used the local stack meanwhile); run again`,
    );
  }
  return expectedId;
}

async function registerSampleSecret(gatewayId: string): Promise<void> {
  const sm = new SecretsManagerClient(clientConfig());
  const { name } = sampleSecret(gatewayId);
  const exists = await sm.send(new DescribeSecretCommand({ SecretId: name })).catch((e) => {
    if (notFound(e)) return undefined;
    throw e;
  });
  if (exists) return;
  await registerSampleSecretOnce(gatewayId);
  // events/rotateNow.tag.json selects by this tag: only the sample, whatever else the stack holds.
  await sm.send(new TagResourceCommand({ SecretId: name, Tags: [SAMPLE.tag] }));
}

async function registerSampleSecretOnce(gatewayId: string): Promise<void> {
  const control = new BedrockAgentCoreControlClient(clientConfig());
  await control
    .send(
      new CreateApiKeyCredentialProviderCommand({
        name: SAMPLE.provider,
        apiKey: randomBytes(24).toString('base64url'),
      }),
    )
    .catch((e: unknown) => {
      if ((e as { name?: string }).name !== 'ConflictException') throw e;
    });
  // The real command, as a user registers a credential (stand-in rotate function, local table).
  await run(
    process.execPath,
    [
      join(ROOT, 'bin', 'gatewarden.js'),
      'register',
      'apikey',
      '--provider',
      SAMPLE.provider,
      '--issuer',
      'generated',
      '--gateway',
      gatewayId,
      '--no-test',
      '--grace',
      '1h',
      // The local stack's admin (moto's default user) sets the samples up: it is the secret's
      // break-glass writer, as an admin role would be in an account.
      '--admin-role',
      `arn:aws:iam::${SAMPLE.account}:user/moto`,
      '--json',
    ],
    { cwd: ROOT, env: process.env },
  );
}

/** A rotation event's fields, when the event is one. */
export interface RotationEventFields {
  Step: string;
  ClientRequestToken: string;
}

/**
 * Puts the sample secret where a Secrets Manager rotation at `token` would be when `step`
 * runs: the version AWSPENDING (unless that rotation already finished: then every step is a
 * no-op), holding the new credential for the steps after createSecret.
 */
async function stageRotation(gatewayId: string, event: RotationEventFields): Promise<void> {
  // Secrets Manager starts the rotation for the caller; the stages and the value are the rotate
  // function's to write and read (only it and the gateway may, by the secret's policy).
  const finished = await startRotation(gatewayId, event);
  if (finished || event.Step === 'createSecret') return;
  await asFunctionRole(process.env.AWS_ENDPOINT_URL ?? '', ROTATE_FUNCTION, () =>
    runCreateSecret(gatewayId, event),
  );
}

const ROTATE_FUNCTION = 'gatewarden-local-rotate';

/** Starts (or re-points) the rotation at the event's token; true when it already finished. */
async function startRotation(gatewayId: string, event: RotationEventFields): Promise<boolean> {
  const sm = new SecretsManagerClient(clientConfig());
  const { name } = sampleSecret(gatewayId);
  const token = event.ClientRequestToken;
  const described = await sm.send(new DescribeSecretCommand({ SecretId: name }));
  const stages = described.VersionIdsToStages ?? {};
  if (stages[token]?.includes('AWSCURRENT')) return true;
  if (!stages[token]) {
    // As Secrets Manager starts a rotation: a new version AWSPENDING, no value yet.
    await sm.send(
      new RotateSecretCommand({
        SecretId: name,
        ClientRequestToken: token,
        ...(described.RotationLambdaARN ? { RotationLambdaARN: described.RotationLambdaARN } : {}),
      }),
    );
  } else if (!stages[token]?.includes('AWSPENDING')) {
    // Moving a stage is a write only the rotator (and the admin) may make: as the function.
    await asFunctionRole(process.env.AWS_ENDPOINT_URL ?? '', ROTATE_FUNCTION, () =>
      movePending(name, token, stages),
    );
  }
  return false;
}

async function movePending(
  name: string,
  token: string,
  stages: Record<string, string[]>,
): Promise<void> {
  const pending = Object.entries(stages).find(([, s]) => s.includes('AWSPENDING'))?.[0];
  await new SecretsManagerClient(clientConfig()).send(
    new UpdateSecretVersionStageCommand({
      SecretId: name,
      VersionStage: 'AWSPENDING',
      MoveToVersionId: token,
      ...(pending ? { RemoveFromVersionId: pending } : {}),
    }),
  );
}

/** The step before the event's, as the rotate function runs it: the new value AWSPENDING. */
async function runCreateSecret(gatewayId: string, event: RotationEventFields): Promise<void> {
  const sm = new SecretsManagerClient(clientConfig());
  const { name } = sampleSecret(gatewayId);
  const token = event.ClientRequestToken;
  const hasValue = await sm
    .send(
      new GetSecretValueCommand({ SecretId: name, VersionId: token, VersionStage: 'AWSPENDING' }),
    )
    .then(
      (out) => out.SecretString !== undefined,
      () => false,
    );
  if (hasValue) return;
  // The step before this one, run as the rotate function runs it.
  const [{ handleRotationStep }, { awsRotationDeps }] = await Promise.all([
    import('../lib/rotation/handleStep.js'),
    import('../lib/aws/rotationDeps.js'),
  ]);
  // Against the local stage's state table, where registration pinned the binding.
  const env = {
    ...process.env,
    GATEWARDEN_STATE_TABLE: LOCAL_STAGE.stateTable,
    GATEWARDEN_BINDING_MAC_KEY: LOCAL_STAGE.bindingMacKey,
    GATEWARDEN_LEDGER_MAC_KEY: LOCAL_STAGE.ledgerMacKey,
  };
  await handleRotationStep(awsRotationDeps(env), {
    step: 'createSecret',
    secretId: name,
    token,
  });
}

/** Creates what the sample events name; for a rotation event on the sample secret, stages its rotation. */
export async function createSampleResources(event?: unknown): Promise<{ gatewayId: string }> {
  const config = clientConfig();
  const roleArn = await sampleRole(new IAMClient(config));
  const gatewayId = await sampleGateway(
    new BedrockAgentCoreControlClient(config),
    roleArn,
    SAMPLE.gatewayId,
  );
  await registerSampleSecret(gatewayId);
  const fields = event as (Partial<RotationEventFields> & { SecretId?: unknown }) | undefined;
  const sample = sampleSecret(gatewayId);
  const onSample =
    typeof fields?.SecretId === 'string' &&
    [sample.name, sample.partialArn].some(
      (id) => fields.SecretId === id || String(fields.SecretId).startsWith(`${sample.partialArn}-`),
    );
  if (
    onSample &&
    typeof fields?.Step === 'string' &&
    typeof fields.ClientRequestToken === 'string'
  ) {
    await stageRotation(gatewayId, {
      Step: fields.Step,
      ClientRequestToken: fields.ClientRequestToken,
    });
  }
  return { gatewayId };
}
