/**
 * A grant is code: each statement of the rotate and rotateNow roles is here because a test in
 * this file, running the product's code AS that role on a stack that enforces IAM, needs it.
 * scripts/mutateRoles.ts (`npm run mutate:roles`) takes the statements out one at a time and
 * runs this file; a statement whose removal fails no test lacks a test or is not needed.
 *
 * Set-up is the admin's, as in an account: `gatewarden register` (the real CLI) and Secrets
 * Manager's own part, starting a scheduled rotation (the local stack never invokes the rotate
 * function). The four steps run through functions/rotate.ts as the rotate role; on-demand
 * rotations and the sweep through functions/rotateNow.ts as the rotateNow role; both with their
 * deployed environment. Every test asserts what the role's calls did, and that IAM refused none.
 * The tests run in order and build on each other: the sweeps revoke what the rotations retired.
 */
import {
  GetResourceOauth2TokenCommand,
  GetWorkloadAccessTokenCommand,
} from '@aws-sdk/client-bedrock-agentcore';
import {
  CognitoIdentityProviderClient,
  ListUserPoolClientSecretsCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import {
  CreateApiKeyCredentialProviderCommand,
  GetApiKeyCredentialProviderCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-bedrock-agentcore-control';
import {
  DescribeSecretCommand,
  PutSecretValueCommand,
  RotateSecretCommand,
  type RotateSecretCommandInput,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { decodeJwt } from 'jose';
import { randomUUID } from 'node:crypto';
import {
  defaultDeps as rotateDeps,
  makeHandler as rotateHandler,
  type RotateEvent,
} from '../../../functions/rotate.js';
import {
  defaultDeps as rotateNowDeps,
  makeHandler as rotateNowHandler,
  type RotateNowResult,
} from '../../../functions/rotateNow.js';
import { awsRotationDeps } from '../../../lib/aws/rotationDeps.js';
import { ROTATED_TAG } from '../../../lib/aws/rotationTagger.js';
import { ROTATION_FAILURE_TAG, ROTATION_STEP_TAG } from '../../../lib/rotation/alerts.js';
import { ABANDON_PENDING_AFTER_SECONDS, sweepSecret } from '../../../lib/rotation/sweep.js';
import { localClient, localStack, testClientConfig, uniqueName } from '../../support/localStack.js';
import {
  control,
  dataPlane,
  docAt,
  servedApiKey,
  sm,
  stagesOf,
  tokenStatus,
  workload,
} from '../rotation/support.js';
import { type Fixtures, RoleFixtures } from './fixtures.js';
import {
  ADMIN_ARN,
  LAMBDA_CONTEXT,
  openRoleStack,
  pinWithCli,
  registerWithCli,
  type RoleStack,
} from './support.js';

const STEPS: RotateEvent['Step'][] = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'];

let stack: RoleStack;
let world: RoleFixtures;
let fixtures: Fixtures;
let workloadName = '';

beforeAll(async () => {
  stack = await openRoleStack();
  world = new RoleFixtures(stack);
  [fixtures, workloadName] = await Promise.all([world.create(), workload()]);
}, 300_000);

afterAll(async () => {
  await world?.close();
  await stack?.close();
}, 60_000);

beforeEach(async () => {
  await stack.denials('clear');
});

/** Nothing the roles (or the admin's set-up) called was refused. */
async function expectNoDenials(): Promise<void> {
  expect(await stack.denials()).toEqual([]);
}

/** What Secrets Manager does on schedule: RotateSecret, a new version AWSPENDING (no value). */
async function startRotation(secretArn: string): Promise<string> {
  const token = randomUUID();
  await sm().send(new RotateSecretCommand({ SecretId: secretArn, ClientRequestToken: token }));
  return token;
}

/** Secrets Manager invoking the rotate function for each step (as the rotate role). */
async function runSteps(secretArn: string, token: string, steps = STEPS): Promise<void> {
  await stack.asFunction('rotate', async (env) => {
    const handler = rotateHandler(rotateDeps(env));
    for (const Step of steps) {
      await handler({ Step, SecretId: secretArn, ClientRequestToken: token }, LAMBDA_CONTEXT);
    }
  });
}

async function rotateNow(event: unknown): Promise<RotateNowResult> {
  return stack.asFunction('rotateNow', (env) =>
    rotateNowHandler(rotateNowDeps(env))(event, LAMBDA_CONTEXT),
  );
}

async function currentVersion(secretArn: string): Promise<string | undefined> {
  const out = await sm().send(new DescribeSecretCommand({ SecretId: secretArn }));
  return Object.entries(out.VersionIdsToStages ?? {}).find(([, s]) =>
    s.includes('AWSCURRENT'),
  )?.[0];
}

async function tagsOf(secretArn: string): Promise<Record<string, string>> {
  const out = await sm().send(new DescribeSecretCommand({ SecretId: secretArn }));
  return Object.fromEntries((out.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
}

describe('the rotate role runs the rotation steps', () => {
  it('of a generated API key an EXTERNAL provider reads from the secret', async () => {
    const { secretArn, provider, initial } = fixtures.external;
    const token = await startRotation(secretArn);

    await runSteps(secretArn, token);

    await expectNoDenials();
    expect(await currentVersion(secretArn)).toBe(token);
    const current = await docAt(secretArn, 'AWSCURRENT');
    expect(current.apiKey).not.toBe(initial);
    expect(await servedApiKey(workloadName, provider)).toBe(current.apiKey);
    // Each step marked itself in flight; the landed rotation cleared the mark.
    expect(Object.keys(await tagsOf(secretArn))).not.toContain(ROTATION_STEP_TAG);
    expect((await world.received(world.alerts.bus, secretArn)).join()).toContain(
      'Rotation Succeeded',
    );
  });

  it('of a MANAGED API key, pushing each new key to the provider', async () => {
    const { secretArn, provider, initial } = fixtures.managed;
    const token = await startRotation(secretArn);

    await runSteps(secretArn, token);

    await expectNoDenials();
    expect(await currentVersion(secretArn)).toBe(token);
    const current = await docAt(secretArn, 'AWSCURRENT');
    expect(current.apiKey).not.toBe(initial);
    expect(await servedApiKey(workloadName, provider)).toBe(current.apiKey);
  });

  it('of a key the customer’s webhook mints, leaving alone a key it never minted', async () => {
    const { secretArn, registered, bystander } = fixtures.webhook;
    const token = await startRotation(secretArn);

    await runSteps(secretArn, token);

    await expectNoDenials();
    expect(await currentVersion(secretArn)).toBe(token);
    const current = await docAt(secretArn, 'AWSCURRENT');
    // The webhook lists a key the secret never held: the ledger says it is not the rotator's.
    expect([...world.webhookStub.keys.keys()].sort()).toEqual(
      [registered, bystander, current.issuerCredentialId].sort(),
    );
    expect(current.retiring.map((r) => r.issuerCredentialId)).toEqual([registered]);
  });

  it('of an OAuth2 client through RFC 7592, writing back a rotated registration token', async () => {
    const { secretArn, provider, clientId, initialSecret } = fixtures.oauth;
    const issuedBefore = world.registration?.tokensIssued ?? 0;
    const token = await startRotation(secretArn);

    await runSteps(secretArn, token);

    await expectNoDenials();
    expect(await currentVersion(secretArn)).toBe(token);
    expect(world.registration?.tokensIssued).toBeGreaterThan(issuedBefore);
    const current = await docAt(secretArn, 'AWSCURRENT');
    const tokenEndpoint = `${localStack().oidcIssuer}/token`;
    expect(await tokenStatus(tokenEndpoint, clientId, current.clientSecret ?? '')).toBe(200);
    expect(await tokenStatus(tokenEndpoint, clientId, initialSecret)).not.toBe(200);
    // The MANAGED provider holds the new secret: the data plane gets a token with it.
    const workloadToken = await dataPlane().send(
      new GetWorkloadAccessTokenCommand({ workloadName }),
    );
    const served = await dataPlane().send(
      new GetResourceOauth2TokenCommand({
        workloadIdentityToken: workloadToken.workloadAccessToken,
        resourceCredentialProviderName: provider,
        scopes: ['gateway:invoke'],
        oauth2Flow: 'M2M',
      }),
    );
    expect(decodeJwt(served.accessToken ?? '').client_id).toBe(clientId);
  });

  it('of a Cognito app client a CUSTOM_JWT gateway accepts, the old secret kept for overlap', async () => {
    const { secretArn, poolId, clientId, initialId } = fixtures.cognito;
    const token = await startRotation(secretArn);

    await runSteps(secretArn, token);

    await expectNoDenials();
    expect(await currentVersion(secretArn)).toBe(token);
    const current = await docAt(secretArn, 'AWSCURRENT');
    const listed = await localClient(CognitoIdentityProviderClient).send(
      new ListUserPoolClientSecretsCommand({ UserPoolId: poolId, ClientId: clientId }),
    );
    expect(listed.ClientSecrets?.map((s) => s.ClientSecretId).sort()).toEqual(
      [initialId, current.issuerCredentialId].sort(),
    );
    expect(current.retiring.map((r) => r.issuerCredentialId)).toEqual([initialId]);
  });

  it('and records a failed step on the secret and alerts (a webhook issuer’s function)', async () => {
    const { secretArn } = fixtures.webhookLambda;
    const token = randomUUID();
    // The webhook secret was written by the admin, so the rotation names the rotate function.
    await sm().send(
      new RotateSecretCommand({
        SecretId: secretArn,
        ClientRequestToken: token,
        RotationLambdaARN: stack.rotateFunctionArn,
      }),
    );

    // createSecret reaches the issuer's function, which the local stack cannot run: it fails.
    await expect(runSteps(secretArn, token, ['createSecret'])).rejects.toMatchObject({
      name: 'IssuerHttpError',
    });

    await expectNoDenials();
    expect((await tagsOf(secretArn))[ROTATION_FAILURE_TAG]).toMatch(
      / createSecret IssuerHttpError /,
    );
    // The Rotation Failed alert, on the topic and on the bus.
    expect((await world.received(world.alerts.topic, secretArn)).join()).toContain(
      'Rotation Failed',
    );
    expect((await world.received(world.alerts.bus, secretArn)).join()).toContain('Rotation Failed');
  });
});

describe('the rotateNow role', () => {
  it('sweeps: revokes retired credentials once their grace period is over', async () => {
    const { secretArn, poolId, clientId, initialId } = fixtures.cognito;

    const result = await rotateNow({ sweep: true });

    await expectNoDenials();
    const results = 'swept' in result ? result.results : [];
    expect(results.find((r) => r.secretArn === secretArn)).toMatchObject({ revoked: 1 });
    const listed = await localClient(CognitoIdentityProviderClient).send(
      new ListUserPoolClientSecretsCommand({ UserPoolId: poolId, ClientId: clientId }),
    );
    expect(listed.ClientSecrets?.map((s) => s.ClientSecretId)).not.toContain(initialId);
    // At the webhook: the retired key revoked, the one gatewarden never minted kept.
    const { registered, bystander } = fixtures.webhook;
    expect(world.webhookStub.keys.has(registered)).toBe(false);
    expect(world.webhookStub.keys.has(bystander)).toBe(true);
    // The Lambda issuer's retired key: the sweep reached the function (the local stack cannot run it).
    expect(results.find((r) => r.secretArn === fixtures.webhookLambda.secretArn)).toMatchObject({
      error: 'IssuerHttpError',
    });
  });

  it('sweeps: takes back a MANAGED rotation left pending past every rotation window', async () => {
    const { secretArn, provider } = fixtures.managed;
    const before = await docAt(secretArn, 'AWSCURRENT');
    const token = await startRotation(secretArn);
    // The rotate function pushed the untested key, then never got further.
    await runSteps(secretArn, token, ['createSecret', 'setSecret']);
    expect(await servedApiKey(workloadName, provider)).not.toBe(before.apiKey);

    // The function's sweep of this secret (defaultDeps().sweep), a day and more later.
    const later = (ABANDON_PENDING_AFTER_SECONDS + 3600) * 1000;
    const swept = await stack.asFunction('rotateNow', (env) => {
      const deps = awsRotationDeps(env);
      const clock = { ...deps.clock, now: () => new Date(Date.now() + later) };
      return sweepSecret({ ...deps, clock }, secretArn);
    });

    await expectNoDenials();
    expect(swept.abandoned).toBe(token);
    expect((await stagesOf(secretArn)).flat()).not.toContain('AWSPENDING');
    expect(await servedApiKey(workloadName, provider)).toBe(before.apiKey);
  });

  it.each([
    ['a secret', () => ({ secretId: fixtures.external.secretArn })],
    ['a gateway’s secrets', () => ({ gatewayId: fixtures.external.gatewayId })],
    ['secrets by tag', () => ({ tag: `gatewarden:gateway=${fixtures.external.gatewayId}` })],
  ])('starts rotations on demand: %s', async (_what, event) => {
    const { secretArn } = fixtures.external;

    const result = await rotateNow(event());

    await expectNoDenials();
    expect(result).toMatchObject({ started: 1, failed: 0 });
    const token = 'started' in result ? String(result.results[0]?.versionId) : '';
    const described = await sm().send(new DescribeSecretCommand({ SecretId: secretArn }));
    expect(described.VersionIdsToStages?.[token]).toEqual(['AWSPENDING']);
    expect(described.RotationLambdaARN).toBe(stack.rotateFunctionArn);
    // Undone by the admin, so the next start is a fresh one.
    await sm().send(
      new UpdateSecretVersionStageCommand({
        SecretId: secretArn,
        VersionStage: 'AWSPENDING',
        RemoveFromVersionId: token,
      }),
    );
  });

  // A secret registered without a resource policy (the webhook issuer's): only the role's own
  // conditions stand between it and another rotation function (one it may invoke: a webhook
  // issuer's) or a schedule pushed out of sight.
  it.each([
    [
      'pointing rotation at a webhook issuer’s function',
      (): Partial<RotateSecretCommandInput> => ({
        RotationLambdaARN: stack.rotateFunctionArn.replace(
          /function:.*$/,
          'function:gatewarden-issuer-role-tests',
        ),
      }),
    ],
    [
      'pushing the schedule 1000 days out',
      (): Partial<RotateSecretCommandInput> => ({
        RotationRules: { AutomaticallyAfterDays: 1000 },
        RotateImmediately: false,
      }),
    ],
  ])('may not start a rotation %s', async (_what, change) => {
    const { secretArn } = fixtures.webhookLambda;
    const before = await sm().send(new DescribeSecretCommand({ SecretId: secretArn }));

    const attempt = stack.asFunction('rotateNow', () =>
      sm().send(new RotateSecretCommand({ SecretId: secretArn, ...change() })),
    );

    await expect(attempt).rejects.toMatchObject({ name: 'AccessDeniedException' });
    const after = await sm().send(new DescribeSecretCommand({ SecretId: secretArn }));
    expect(after.RotationLambdaARN).toBe(stack.rotateFunctionArn);
    expect(after.RotationRules).toEqual(before.RotationRules);
    expect(after.VersionIdsToStages).toEqual(before.VersionIdsToStages);
  });
});

describe('attacks on the rotate function and the sweep (issue 17)', () => {
  it('a direct finishSecret for an untested AWSPENDING is refused: nothing promoted, the key still works', async () => {
    // Prepare: a rotation whose key was minted and pushed, but never tested.
    const { secretArn, provider } = fixtures.external;
    const before = await docAt(secretArn, 'AWSCURRENT');
    const currentBefore = await currentVersion(secretArn);
    const token = await startRotation(secretArn);
    await runSteps(secretArn, token, ['createSecret', 'setSecret']);

    // Act: whoever may invoke the function sends finishSecret (it runs as the rotate role).
    const attack = runSteps(secretArn, token, ['finishSecret']);

    // Assess
    await expect(attack).rejects.toMatchObject({ name: 'UntestedVersionError' });
    await expectNoDenials();
    expect(await currentVersion(secretArn)).toBe(currentBefore);
    expect((await stagesOf(secretArn)).flat()).toContain('AWSPENDING');
    expect(await servedApiKey(workloadName, provider)).toBe(before.apiKey);
    expect((await world.received(world.alerts.topic, secretArn)).join()).toContain(
      'UntestedVersionError',
    );
    // The same rotation, tested, lands: the mark is the rotator's own ledger write.
    await runSteps(secretArn, token, ['testSecret', 'finishSecret']);
    expect(await currentVersion(secretArn)).toBe(token);
    await expectNoDenials();
  });

  it('a sweep whose MANAGED restore is denied revokes nothing: the served key still works', async () => {
    // Prepare: a rotation left pending after setSecret pushed its key to the provider; then the
    // provider loses its gatewarden tag, so the rotateNow role may not update it any more.
    const { secretArn, provider } = fixtures.webhookManaged;
    const token = await startRotation(secretArn);
    await runSteps(secretArn, token, ['createSecret', 'setSecret']);
    const pushed = (await docAt(secretArn, 'AWSPENDING')).apiKey ?? '';
    expect(await servedApiKey(workloadName, provider)).toBe(pushed);
    const { credentialProviderArn } = await control().send(
      new GetApiKeyCredentialProviderCommand({ name: provider }),
    );
    await control().send(
      new UntagResourceCommand({ resourceArn: credentialProviderArn, tagKeys: [ROTATED_TAG.key] }),
    );
    await stack.denials('clear');

    // Act: the function's sweep of this secret, a day and more later.
    const later = (ABANDON_PENDING_AFTER_SECONDS + 3600) * 1000;
    const swept = stack.asFunction('rotateNow', (env) => {
      const deps = awsRotationDeps(env);
      const clock = { ...deps.clock, now: () => new Date(Date.now() + later) };
      return sweepSecret({ ...deps, clock }, secretArn, { alerts: deps.alerts });
    });

    // Assess: refused for the restore, and nothing revoked: the served key still works.
    await expect(swept).rejects.toMatchObject({ name: 'SweepRefusedError' });
    // The restore, and nothing else, was refused (the alerts went out).
    const denied = (await stack.denials()).map((d) => JSON.stringify(d));
    expect(denied.length).toBeGreaterThan(0);
    expect(denied.filter((d) => !d.includes('UpdateApiKeyCredentialProvider'))).toEqual([]);
    expect(await servedApiKey(workloadName, provider)).toBe(pushed);
    expect(await probeStatus(pushed)).toBe(200);
    expect((await stagesOf(secretArn)).flat()).toContain('AWSPENDING');
    // Alerted on the topic and on the bus, with the reason and no value.
    for (const queue of [world.alerts.topic, world.alerts.bus]) {
      const alerts = (await world.received(queue, secretArn)).join();
      expect(alerts).toContain('nothing revoked');
      expect(alerts).not.toContain(pushed);
    }
  });
});

describe('break-glass (docs/threat-model.md)', () => {
  it('an admin role writes the value, reviews it with register update, pins it with --yes', async () => {
    // Prepare: the stage's admin (its AdminRoleArn: the stack's admin user here), named at
    // registration as the secret's break-glass writer; only it may sign bindings.
    const admin = {
      arn: ADMIN_ARN,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
      env: {} as Record<string, string>,
    };
    const secretArn = await registerWithCli(
      stack,
      'apikey',
      [
        ...['--provider', await newApiKeyProvider(), '--issuer', 'generated'],
        ...['--gateway', fixtures.external.gatewayId, '--grace', '0s'],
        ...['--probe-url', `${world.probe.url}/ping`],
      ],
      admin.arn,
    );
    const fixed = `break-glass-${randomUUID()}`;
    const current = await docAt(secretArn, 'AWSCURRENT');

    // Act 1: the admin role writes the value by hand.
    const adminSm = new SecretsManagerClient({
      ...testClientConfig(),
      credentials: admin.credentials,
    });
    await adminSm.send(
      new PutSecretValueCommand({
        SecretId: secretArn,
        SecretString: JSON.stringify({ ...current, apiKey: fixed }),
      }),
    );
    await expectNoDenials();
    // Rotation refuses the unpinned version.
    const unpinned = await startRotation(secretArn);
    await expect(runSteps(secretArn, unpinned, ['createSecret'])).rejects.toMatchObject({
      name: 'BindingMismatchError',
    });
    // The admin fixes the staging labels too.
    await adminSm.send(
      new UpdateSecretVersionStageCommand({
        SecretId: secretArn,
        VersionStage: 'AWSPENDING',
        RemoveFromVersionId: unpinned,
      }),
    );

    // Act 2: review, then pin, as the admin.
    const env = { ...process.env, ...stack.deployment, ...admin.env };
    const review = await pinWithCli(secretArn, { yes: false, env });
    const pinned = await pinWithCli(secretArn, { env });

    // Assess: nothing pinned by the review; pinned with --yes; the next rotation runs from it.
    expect(review).not.toMatch(/pinned as revision/);
    expect(pinned).toMatch(/pinned as revision 2/);
    await stack.denials('clear');
    const token = await startRotation(secretArn);
    await runSteps(secretArn, token);
    await expectNoDenials();
    expect(await currentVersion(secretArn)).toBe(token);
    const rotated = await docAt(secretArn, 'AWSCURRENT');
    expect(rotated.apiKey).not.toBe(fixed);
    expect(rotated.apiKey).not.toBe(current.apiKey);
  });
});

/** What the live-keys API answers for a key (200 only while the webhook holds it live). */
async function probeStatus(apiKey: string): Promise<number> {
  const response = await fetch(`${world.liveKeys.url}/ping`, { headers: { 'x-api-key': apiKey } });
  return response.status;
}

async function newApiKeyProvider(): Promise<string> {
  const name = uniqueName('roles-breakglass');
  await control().send(
    new CreateApiKeyCredentialProviderCommand({ name, apiKey: `initial-${randomUUID()}` }),
  );
  return name;
}
