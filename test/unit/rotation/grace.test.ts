/**
 * The grace period runs from promotion (issue 9): a rotation whose finishSecret lands hours
 * after createSecret still keeps the old credential valid for the whole grace period.
 */
import { randomUUID } from 'node:crypto';
import { runRotationStep, rotationSteps } from '../../../lib/rotation/engine.js';
import { driveRotation } from '../../../lib/rotation/driver.js';
import { sweepSecret } from '../../../lib/rotation/sweep.js';
import { makeWorld } from './support/fakes.js';

describe('grace period', () => {
  it('starts when the new credential becomes current, not when it was minted', async () => {
    // Prepare: grace 1 h; finishSecret runs 2 h after createSecret (a slow, retried rotation).
    const world = makeWorld({ graceSeconds: 3600 });
    const token = randomUUID();
    world.store.beginRotation(world.secretName, token);
    for (const step of rotationSteps) {
      if (step === 'finishSecret') world.clock.advance(2 * 3600);
      await runRotationStep(world.deps, { step, secretId: world.secretName, token });
    }

    // Act + Assess: 59 minutes after promotion the old key still works, after 61 it is gone.
    world.clock.advance(59 * 60);
    await sweepSecret(world.deps, world.secretName);
    expect(world.issuer.isValid(world.initialSecret)).toBe(true);
    world.clock.advance(2 * 60);
    const swept = await sweepSecret(world.deps, world.secretName);
    expect(swept.revoked).toHaveLength(1);
    expect(world.issuer.isValid(world.initialSecret)).toBe(false);
  });
});

describe('emergency rotation', () => {
  it('--revoke-previous revokes the replaced credential at once, never the new one', async () => {
    const world = makeWorld({ graceSeconds: 86_400 });

    const result = await driveRotation(world.deps, world.secretName, { revokePrevious: true });

    expect(result.revoked).toHaveLength(1);
    expect(world.issuer.isValid(world.initialSecret)).toBe(false);
    const current = world.store.valueAt(world.secretName, 'AWSCURRENT');
    expect(world.issuer.isValid(current?.apiKey)).toBe(true);
    expect(world.providers.values.get('prov-1')).toBe(current?.apiKey);
  });
});
