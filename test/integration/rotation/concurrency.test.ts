/**
 * Concurrency and recovery on the local stack (real Secrets Manager on moto): two rotations of
 * one secret at once, and a stale AWSPENDING left by a crashed run. Plus the Cognito stand-in's
 * own rules, which the Cognito issuer relies on.
 */
import {
  AddUserPoolClientSecretCommand,
  CognitoIdentityProviderClient,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  DeleteUserPoolClientSecretCommand,
  ListUserPoolClientSecretsCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { CreateApiKeyCredentialProviderCommand } from '@aws-sdk/client-bedrock-agentcore-control';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbRotationLock } from '../../../lib/aws/rotationLock.js';
import { localClient, uniqueName } from '../../support/localStack.js';
import { driveRotation, runRotationStep } from './asRole.js';
import { createStateTable } from '../../support/stateTable.js';
import {
  control,
  createGatewardenSecret,
  docAt,
  rotatorDeps,
  servedApiKey,
  stagesOf,
  workload,
} from './support.js';

let workloadName = '';
beforeAll(async () => {
  workloadName = await workload();
});

async function apiKeySecret(): Promise<{
  secretArn: string;
  providerName: string;
  initial: string;
}> {
  const providerName = uniqueName('gw-conc');
  const initial = `initial-${uniqueName('k')}`;
  await control().send(
    new CreateApiKeyCredentialProviderCommand({ name: providerName, apiKey: initial }),
  );
  const secretArn = await createGatewardenSecret(
    {
      kind: 'apiKey',
      gatewayId: 'gw-local-2',
      provider: { type: 'apiKey', name: providerName, secretSource: 'MANAGED' },
      issuer: { type: 'generated', length: 32, excludePunctuation: true },
      // Registered --no-test: no probe, and the rotate role has no data-plane read-back.
      test: { attempts: 2, untested: true },
      apiKey: initial,
    },
    providerName,
  );
  return { secretArn, providerName, initial };
}

describe('rotation concurrency on the local stack', () => {
  it('lets one of two simultaneous rotations proceed and refuses the other', async () => {
    const { secretArn, providerName } = await apiKeySecret();
    const deps = await rotatorDeps(workloadName);
    const results = await Promise.allSettled([
      driveRotation(deps, secretArn),
      driveRotation(deps, secretArn),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const current = await docAt(secretArn, 'AWSCURRENT');
    expect(await servedApiKey(workloadName, providerName)).toBe(current.apiKey);
    expect((await stagesOf(secretArn)).flat().filter((s) => s === 'AWSPENDING')).toEqual([]);
  });

  it('shares the lease across processes through the state table', async () => {
    // Two drivers with their own dependencies (as two processes would have), one table.
    const dynamo = localClient(DynamoDBClient);
    const tableName = await createStateTable(dynamo);
    const { secretArn } = await apiKeySecret();
    const first = {
      ...(await rotatorDeps(workloadName)),
      lock: new DynamoDbRotationLock(tableName, dynamo),
    };
    const second = {
      ...(await rotatorDeps(workloadName)),
      lock: new DynamoDbRotationLock(tableName, dynamo),
    };
    expect(await second.lock.acquire(secretArn, 'other-process', 60)).toBe(true);
    await expect(driveRotation(first, secretArn)).rejects.toMatchObject({
      name: 'RotationInProgressError',
      context: { holder: 'other-process' },
    });
    const holder = await first.lock.holder(secretArn);
    expect(holder?.owner).toBe('other-process');
    expect(holder?.until).toBeGreaterThan(Date.now());
    await second.lock.release(secretArn, 'other-process');
    await expect(driveRotation(first, secretArn)).resolves.toMatchObject({ secretArn });
    // The lease is released after the rotation: the other process may rotate now.
    await expect(driveRotation(second, secretArn)).resolves.toMatchObject({ secretArn });
    // A crashed holder's lease is taken over with force.
    expect(await second.lock.acquire(secretArn, 'crashed-process', 900)).toBe(true);
    await expect(driveRotation(first, secretArn, { force: true })).resolves.toMatchObject({
      secretArn,
    });
    expect(await first.lock.holder(secretArn)).toBeUndefined();
  });

  it('refuses while a fresh AWSPENDING exists and recovers it once stale', async () => {
    // Prepare: a run that crashed after setSecret (the provider already has its key).
    const { secretArn, providerName } = await apiKeySecret();
    const deps = await rotatorDeps(workloadName);
    const crashed = 'crashed-run-0000000000000000000001';
    await runRotationStep(
      deps,
      { step: 'createSecret', secretId: secretArn, token: crashed },
      { tokenMayBeNew: true },
    );
    await runRotationStep(deps, { step: 'setSecret', secretId: secretArn, token: crashed });
    const pending = await docAt(secretArn, 'AWSPENDING');
    // Act + Assess
    await expect(driveRotation(deps, secretArn)).rejects.toMatchObject({
      name: 'RotationInProgressError',
    });
    deps.clock.offsetMs = 3600_000;
    const result = await driveRotation(deps, secretArn);
    const current = await docAt(secretArn, 'AWSCURRENT');
    expect(result.versionId).not.toBe(crashed);
    // The generated issuer holds nothing, so the crashed key is adopted only if listed: a new one is minted.
    expect(current.apiKey).not.toBe(pending.apiKey);
    expect(await servedApiKey(workloadName, providerName)).toBe(current.apiKey);
    expect((await stagesOf(secretArn)).flat().filter((s) => s === 'AWSPENDING')).toEqual([]);
  });
});

describe('Cognito stand-in rules', () => {
  it('keeps at most two secrets and never deletes the last one', async () => {
    const cognito = localClient(CognitoIdentityProviderClient);
    const pool = await cognito.send(new CreateUserPoolCommand({ PoolName: uniqueName('gw-pool') }));
    const UserPoolId = pool.UserPool?.Id ?? '';
    const client = await cognito.send(
      new CreateUserPoolClientCommand({ UserPoolId, ClientName: 'c', GenerateSecret: true }),
    );
    const ClientId = client.UserPoolClient?.ClientId ?? '';
    const added = await cognito.send(new AddUserPoolClientSecretCommand({ UserPoolId, ClientId }));
    expect(added.ClientSecretDescriptor?.ClientSecretValue).toBeTruthy();
    await expect(
      cognito.send(new AddUserPoolClientSecretCommand({ UserPoolId, ClientId })),
    ).rejects.toMatchObject({
      name: 'LimitExceededException',
    });
    const listed = await cognito.send(
      new ListUserPoolClientSecretsCommand({ UserPoolId, ClientId }),
    );
    const ids = listed.ClientSecrets?.map((s) => s.ClientSecretId ?? '') ?? [];
    expect(ids).toHaveLength(2);
    expect(JSON.stringify(listed.ClientSecrets)).not.toContain(
      added.ClientSecretDescriptor?.ClientSecretValue ?? '-',
    );
    await cognito.send(
      new DeleteUserPoolClientSecretCommand({ UserPoolId, ClientId, ClientSecretId: ids[0] }),
    );
    await expect(
      cognito.send(
        new DeleteUserPoolClientSecretCommand({ UserPoolId, ClientId, ClientSecretId: ids[1] }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidParameterException' });
    // A well-formed id nobody has: with a hyphen, Cognito's ClientId pattern ([\w+]+) refuses it first.
    await expect(
      cognito.send(new AddUserPoolClientSecretCommand({ UserPoolId, ClientId: 'nosuchclient' })),
    ).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });
});
