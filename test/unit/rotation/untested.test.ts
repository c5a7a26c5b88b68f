/**
 * Untested rotations are visible (issue 9): an API key without a probe rotates only when it
 * was registered with --no-test, and then every result and alert says `tested: false`.
 */
import { driveRotation } from '../../../lib/rotation/driver.js';
import { describeResult } from '../../../lib/rotation/onDemandProgress.js';
import { makeWorld, pin } from './support/fakes.js';
import type { SecretDocument } from '../../../lib/rotation/secretDocument.js';

/** A world whose API key was registered without a probe (`--no-test`). */
async function untestedWorld() {
  const world = makeWorld();
  const doc = world.store.valueAt(world.secretName, 'AWSCURRENT') as SecretDocument;
  const { probe: _probe, ...test } = doc.test;
  const untested = { ...doc, test: { ...test, untested: true as const } };
  const meta = await world.store.describe(world.secretName);
  const versionId = world.store.putValue(world.secretName, JSON.stringify(untested));
  await pin(world.bindings, { arn: meta.arn, versionId }, untested);
  return world;
}

describe('untested rotations', () => {
  it('say tested: false in the driver result, the CLI line and the Rotation Succeeded alert', async () => {
    const world = await untestedWorld();
    world.deps.providerReader = undefined; // the deployed rotator has no read-back

    const result = await driveRotation(world.deps, world.secretName);

    expect(result.tested).toBe(false);
    expect(result.steps.find((s) => s.step === 'testSecret')?.outcome).toBe('untested');
    expect(
      describeResult({ secretArn: result.secretArn, outcome: 'succeeded', tested: false, ms: 1 }),
    ).toContain('UNTESTED');
    const alert = world.sink.alerts.find((a) => a.detailType === 'Rotation Succeeded');
    expect(alert?.detail).toMatchObject({ tested: false });
    expect(alert?.body).toMatch(/NOT tested/);
  });

  it('a probed key says tested: true', async () => {
    const world = makeWorld();
    const result = await driveRotation(world.deps, world.secretName);
    expect(result.tested).toBe(true);
    expect(
      world.sink.alerts.find((a) => a.detailType === 'Rotation Succeeded')?.detail,
    ).toMatchObject({ tested: true });
  });
});
