/**
 * The role check of the rotation entry points (./asRole.ts, test/support/runsAsRole.ts) on the
 * shared stack: ports wired with the admin's clients, or with another function's role, are
 * refused before the product makes a single call; the admin runs only when a test says why.
 */
import { CreateApiKeyCredentialProviderCommand } from '@aws-sdk/client-bedrock-agentcore-control';
import { SecretsManagerStore } from '../../../lib/aws/secretsStore.js';
import { expectRunsAs } from '../../support/runsAsRole.js';
import { uniqueName } from '../../support/localStack.js';
import { adminBecause, driveRotation, sweepSecret } from './asRole.js';
import {
  adminDeps,
  control,
  createGatewardenSecret,
  rotatorDeps,
  sm,
  stagesOf,
  sweeperDeps,
  workload,
} from './support.js';

let workloadName = '';
let secretArn = '';

beforeAll(async () => {
  workloadName = await workload();
  const providerName = uniqueName('gw-guard');
  await control().send(
    new CreateApiKeyCredentialProviderCommand({ name: providerName, apiKey: 'initial-key' }),
  );
  secretArn = await createGatewardenSecret(
    {
      kind: 'apiKey',
      gatewayId: 'gw-local-guard',
      provider: { type: 'apiKey', name: providerName, secretSource: 'MANAGED' },
      issuer: { type: 'generated', length: 32, excludePunctuation: true },
      test: { attempts: 1, untested: true },
      apiKey: 'initial-key',
    },
    providerName,
  );
});

describe('the rotation entry points run only as the deployed roles', () => {
  it('refuses a driver whose secret store signs with the admin’s credentials, before any call', async () => {
    const before = await stagesOf(secretArn);
    const ports = { ...(await rotatorDeps(workloadName)), store: new SecretsManagerStore(sm()) };

    const run = driveRotation(ports, secretArn);

    await expect(run).rejects.toThrow(/store\.sm signs as arn:aws:sts::123456789012:user\/moto/);
    expect(await stagesOf(secretArn)).toEqual(before);
  });

  it('refuses a sweep on the rotate role’s ports (the sweep is rotateNow’s)', async () => {
    await expect(sweepSecret(await rotatorDeps(workloadName), secretArn)).rejects.toThrow(
      /must run as the deployed rotateNow function's role/,
    );
  });

  it('accepts each role for its own code, and the admin only with a stated reason', async () => {
    await expect(
      expectRunsAs(await rotatorDeps(workloadName), 'rotate', 'driver'),
    ).resolves.toBeUndefined();
    await expect(
      expectRunsAs(await sweeperDeps(workloadName), 'rotateNow', 'sweep'),
    ).resolves.toBeUndefined();
    await expect(adminDeps(workloadName, 'because')).rejects.toThrow(/say why/);
    const admin = await adminDeps(
      workloadName,
      'the check itself: an engine handed to the admin on purpose passes',
    );
    await expect(expectRunsAs(admin, 'rotate', 'driver')).resolves.toBeUndefined();
    expect(() => adminBecause('', {})).toThrow(/say why/);
    // Without the hand-over (a copy of its string-keyed ports), the same clients are refused.
    const unmarked = Object.fromEntries(Object.entries(admin));
    await expect(expectRunsAs(unmarked, 'rotate', 'driver')).rejects.toThrow(/user\/moto/);
  });
});
