/**
 * The sweep never revokes before a verified restore (issue 17, point 5). A rotation left
 * AWSPENDING after setSecret pushed its key to a MANAGED provider is taken back by the sweep:
 * the provider must be put back on AWSCURRENT, and read back serving it, before the pending
 * credential (the one the provider may still serve) or anything else is revoked. In-memory
 * ports; the real-SDK proof is in test/integration/roles/rotationRoles.test.ts.
 */
import { randomUUID } from 'node:crypto';
import { MemoryAlertSink } from '../../../lib/alerts/alert.js';
import { driveRotation } from '../../../lib/rotation/driver.js';
import { runRotationStep } from '../../../lib/rotation/engine.js';
import type { ProviderUpdater } from '../../../lib/rotation/ports.js';
import {
  ABANDON_PENDING_AFTER_SECONDS,
  sweepSecret,
  SweepRefusedError,
} from '../../../lib/rotation/sweep.js';
import { makeWorld, secretOf, type World } from './support/fakes.js';

/** createSecret and setSecret ran (the provider holds the new key), then nothing more. */
async function leftPending(world: World): Promise<{ token: string; pushed: string }> {
  const token = randomUUID();
  world.store.beginRotation(world.secretName, token);
  for (const step of ['createSecret', 'setSecret'] as const) {
    await runRotationStep(world.deps, { step, secretId: world.secretName, token });
  }
  const pushed = secretOf(world.store.valueAt(world.secretName, 'AWSPENDING')) ?? '';
  expect(world.providers.values.get('prov-1')).toBe(pushed);
  world.clock.advance(ABANDON_PENDING_AFTER_SECONDS + 3600);
  return { token, pushed };
}

/** What IAM answers a role without the provider grant. */
function accessDenied(): Error {
  const error = new Error(
    'User: arn:aws:sts::123456789012:assumed-role/x/y is not authorized to perform: bedrock-agentcore:UpdateApiKeyCredentialProvider',
  );
  error.name = 'AccessDeniedException';
  return error;
}

const denyingProviders: ProviderUpdater = {
  updateApiKey: () => Promise.reject(accessDenied()),
  updateOauth2ClientSecret: () => Promise.reject(accessDenied()),
  readOauth2Destination: () => Promise.reject(accessDenied()),
};

describe('the sweep never revokes before a verified restore', () => {
  it('a MANAGED restore refused (AccessDenied): nothing revoked, the served key works, alerted', async () => {
    // Prepare: a retired key is due too, which a sweep would otherwise revoke.
    const world = makeWorld({ maxActive: 3 });
    await driveRotation(world.deps, world.secretName);
    const { token, pushed } = await leftPending(world);
    const retired = world.initialSecret;
    expect(world.issuer.isValid(retired)).toBe(true);
    world.deps.providers = denyingProviders;
    const alerts = new MemoryAlertSink();

    // Act
    const swept = sweepSecret(world.deps, world.secretName, { alerts: [alerts] });

    // Assess: refused, naming the reason without any value.
    await expect(swept).rejects.toBeInstanceOf(SweepRefusedError);
    await expect(swept).rejects.toThrow(/revoked nothing.*restore-provider.*AccessDenied/);
    expect(world.providers.values.get('prov-1')).toBe(pushed);
    expect(world.issuer.isValid(pushed)).toBe(true); // the key the gateway is served
    expect(world.issuer.isValid(retired)).toBe(true); // nothing else revoked either
    expect(world.store.stages(world.secretName)[token]).toEqual(['AWSPENDING']);
    const alert = alerts.alerts.find((a) => a.detailType === 'Rotation Failed');
    expect(alert?.detail).toMatchObject({ step: 'sweep', versionId: token });
    expect(String(alert?.detail.reason)).toMatch(/nothing revoked/);
    expect(JSON.stringify(alerts.alerts)).not.toContain(pushed);
    expect(JSON.stringify(alerts.alerts)).not.toContain('assumed-role');
  });

  it('a restore the provider, read back, does not show: nothing revoked, AWSPENDING kept', async () => {
    const world = makeWorld();
    const { token, pushed } = await leftPending(world);
    // The update answers success, yet the provider still serves the pending key.
    world.deps.providers = {
      updateApiKey: () => Promise.resolve(),
      updateOauth2ClientSecret: () => Promise.resolve(),
      readOauth2Destination: () => Promise.reject(new Error('not an OAuth2 provider')),
    };

    await expect(sweepSecret(world.deps, world.secretName)).rejects.toThrow(
      /does not serve the current credential/,
    );

    expect(world.issuer.isValid(pushed)).toBe(true);
    expect(world.store.stages(world.secretName)[token]).toEqual(['AWSPENDING']);
  });

  it('a verified restore: the pending key is revoked and AWSPENDING cleared', async () => {
    const world = makeWorld();
    const { token, pushed } = await leftPending(world);

    const swept = await sweepSecret(world.deps, world.secretName);

    expect(swept.abandoned).toBe(token);
    expect(world.providers.values.get('prov-1')).toBe(world.initialSecret);
    expect(world.issuer.isValid(pushed)).toBe(false);
    expect(Object.values(world.store.stages(world.secretName)).flat()).not.toContain('AWSPENDING');
  });

  it('a restore nothing can read back: the pending key is left to the next rotation, which restores first', async () => {
    // Prepare: no read-back (the deployed functions wire none).
    const world = makeWorld();
    world.deps.providerReader = undefined;
    const { token, pushed } = await leftPending(world);

    // Act
    const swept = await sweepSecret(world.deps, world.secretName);

    // Assess: taken back, but the key it cannot prove unused stays valid.
    expect(swept.abandoned).toBe(token);
    expect(world.providers.values.get('prov-1')).toBe(world.initialSecret);
    expect(world.issuer.isValid(pushed)).toBe(true);
    // The next rotation puts the provider on AWSCURRENT, then revokes it as the rotator's orphan.
    const history = world.providers.history.length;
    await driveRotation(world.deps, world.secretName);
    expect(world.issuer.isValid(pushed)).toBe(false);
    expect(world.providers.history.slice(history, history + 1)).toEqual([world.initialSecret]);
  });
});
