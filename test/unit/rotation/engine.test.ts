import { driveRotation } from '../../../lib/rotation/driver.js';
import { normaliseStep, runRotationStep } from '../../../lib/rotation/engine.js';
import { IssuerCapacityError, RotationPreconditionError } from '../../../lib/rotation/errors.js';
import { MemoryRotationLock } from '../../../lib/rotation/lock.js';
import { sweepSecret } from '../../../lib/rotation/sweep.js';
import { makeWorld, secretOf } from './support/fakes.js';

describe('rotation engine (in-memory ports)', () => {
  it('rotates an API key end to end and retires the old key only after the grace period', async () => {
    // Prepare
    const world = makeWorld({ graceSeconds: 600 });
    // Act
    const result = await driveRotation(world.deps, world.secretName);
    // Assess
    const current = world.store.valueAt(world.secretName, 'AWSCURRENT');
    const previous = world.store.valueAt(world.secretName, 'AWSPREVIOUS');
    expect(result.steps.map((s) => s.outcome)).toEqual(['done', 'done', 'done', 'done']);
    expect(secretOf(previous)).toBe(world.initialSecret);
    expect(secretOf(current)).not.toBe(world.initialSecret);
    expect(world.providers.values.get('prov-1')).toBe(secretOf(current));
    expect(world.store.valueAt(world.secretName, 'AWSPENDING')).toBeUndefined();
    expect(world.issuer.isValid(world.initialSecret)).toBe(true);
    expect(current?.retiring).toEqual([
      { issuerCredentialId: previous?.issuerCredentialId, retireAfter: '2026-11-28T12:10:01.000Z' },
    ]);

    expect((await sweepSecret(world.deps, world.secretName)).revoked).toEqual([]);
    world.clock.advance(601);
    expect((await sweepSecret(world.deps, world.secretName)).revoked).toEqual([
      previous?.issuerCredentialId,
    ]);
    expect(world.issuer.isValid(world.initialSecret)).toBe(false);
    expect(world.issuer.isValid(secretOf(current))).toBe(true);
    expect(world.sink.alerts.map((a) => a.detailType)).toEqual(['Rotation Succeeded']);
  });

  it('retires the current credential even when it was registered without its issuer id', async () => {
    const world = makeWorld({ unknownCurrentId: true, graceSeconds: 60 });
    await driveRotation(world.deps, world.secretName);
    const current = world.store.valueAt(world.secretName, 'AWSCURRENT');
    expect(current?.retiring.map((r) => r.issuerCredentialId)).toEqual(['cred-1']);
    world.clock.advance(61);
    await sweepSecret(world.deps, world.secretName);
    expect(world.issuer.active().map((c) => c.secret)).toEqual([secretOf(current)]);
  });

  it('follows the Secrets Manager contract when RotateSecret created the pending version', async () => {
    const world = makeWorld();
    const token = 'tok-sm-1';
    world.store.beginRotation(world.secretName, token);
    for (const step of ['create_secret', 'setSecret', 'test_secret', 'finishSecret']) {
      await runRotationStep(world.deps, {
        step: normaliseStep(step),
        secretId: world.secretName,
        token,
      });
    }
    expect(world.store.stages(world.secretName)[token]).toEqual(['AWSCURRENT']);
    // A late retry of any step after the rotation landed is a no-op.
    await expect(
      runRotationStep(world.deps, { step: 'createSecret', secretId: world.secretName, token }),
    ).resolves.toBe('alreadyCurrent');
  });

  it('passes the testSecret of RotateImmediately=false (a pending copy of the current value)', async () => {
    const world = makeWorld({ kind: 'oauthClient' });
    world.store.beginRotation(world.secretName, 'check', true);
    await expect(
      runRotationStep(world.deps, {
        step: 'testSecret',
        secretId: world.secretName,
        token: 'check',
      }),
    ).resolves.toBe('done');
    expect(world.issuer.held).toHaveLength(1);
    expect(world.providers.values.get('prov-1')).toBe(world.initialSecret);
  });

  it('never mints twice for one ClientRequestToken', async () => {
    const world = makeWorld();
    world.store.beginRotation(world.secretName, 't1');
    const input = { step: 'createSecret' as const, secretId: world.secretName, token: 't1' };
    await expect(runRotationStep(world.deps, input)).resolves.toBe('done');
    await expect(runRotationStep(world.deps, input)).resolves.toBe('alreadyDone');
    expect(world.issuer.held).toHaveLength(2);
  });

  it.each([
    [
      'rotation disabled',
      (w: ReturnType<typeof makeWorld>) => {
        const secret = w.store.secrets.get(w.secretName);
        if (secret) secret.rotationEnabled = false;
        return 't1';
      },
    ],
    ['token is not a version', () => 'unknown-token'],
    [
      'version is not AWSPENDING',
      (w: ReturnType<typeof makeWorld>) => {
        w.store.beginRotation(w.secretName, 't1');
        void w.store.updateStage(w.secretName, { stage: 'AWSPENDING', removeFromVersionId: 't1' });
        return 't1';
      },
    ],
  ])('preamble refuses when %s', async (_name, arrange) => {
    const world = makeWorld();
    const token = arrange(world);
    await expect(
      runRotationStep(world.deps, { step: 'setSecret', secretId: world.secretName, token }),
    ).rejects.toBeInstanceOf(RotationPreconditionError);
    expect(world.issuer.held).toHaveLength(1);
  });

  it('does not touch an EXTERNAL provider in setSecret', async () => {
    const world = makeWorld({ secretSource: 'EXTERNAL' });
    const result = await driveRotation(world.deps, world.secretName);
    expect(result.steps.find((s) => s.step === 'setSecret')?.outcome).toBe('skipped');
    expect(world.providers.values.get('prov-1')).toBe(world.initialSecret);
  });

  it('tests an inbound client against the gateway authorizer', async () => {
    const world = makeWorld({ kind: 'inboundClient' });
    await driveRotation(world.deps, world.secretName);
    expect(world.verifier.calls.at(-1)?.authorizer?.allowedClients).toEqual(['client-1']);
  });

  it('refuses a rotation while the issuer is full and a retiring credential is in grace', async () => {
    const world = makeWorld({ graceSeconds: 3600 });
    await driveRotation(world.deps, world.secretName);
    const current = world.store.valueAt(world.secretName, 'AWSCURRENT');
    await expect(driveRotation(world.deps, world.secretName)).rejects.toMatchObject({
      step: 'createSecret',
      cause: expect.any(IssuerCapacityError),
    });
    expect(world.store.valueAt(world.secretName, 'AWSCURRENT')).toEqual(current);
    // After the grace period the next rotation revokes the retired one first and proceeds.
    world.clock.advance(3601);
    await driveRotation(world.deps, world.secretName);
    expect(world.issuer.isValid(world.initialSecret)).toBe(false);
    expect(world.issuer.active()).toHaveLength(2);
  });

  it('refuses a second concurrent rotation of one secret', async () => {
    const world = makeWorld();
    const results = await Promise.allSettled([
      driveRotation(world.deps, world.secretName),
      driveRotation(world.deps, world.secretName),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const rejected = results.find((r) => r.status === 'rejected');
    expect(rejected?.status === 'rejected' && rejected.reason.name).toBe('RotationInProgressError');
    expect(world.issuer.held).toHaveLength(2);
  });

  it('refuses while a young AWSPENDING exists, and recovers a stale one', async () => {
    const world = makeWorld({ graceSeconds: 0 });
    world.store.beginRotation(world.secretName, 'crashed');
    await runRotationStep(world.deps, {
      step: 'createSecret',
      secretId: world.secretName,
      token: 'crashed',
    });
    await runRotationStep(world.deps, {
      step: 'setSecret',
      secretId: world.secretName,
      token: 'crashed',
    });
    const crashed = world.store.valueAt(world.secretName, 'AWSPENDING');

    await expect(driveRotation(world.deps, world.secretName)).rejects.toMatchObject({
      name: 'RotationInProgressError',
    });
    world.clock.advance(3600);
    await driveRotation(world.deps, world.secretName);

    // The crashed run's credential is still held by the issuer: adopted, not minted again.
    const current = world.store.valueAt(world.secretName, 'AWSCURRENT');
    expect(current?.issuerCredentialId).toBe(crashed?.issuerCredentialId);
    expect(world.issuer.held).toHaveLength(2);
    expect(world.providers.values.get('prov-1')).toBe(secretOf(current));
    await sweepSecret(world.deps, world.secretName);
    expect(world.issuer.active().map((c) => c.secret)).toEqual([secretOf(current)]);
  });

  it('recovers a credential minted by a crashed createSecret (labelled issuer)', async () => {
    const world = makeWorld({
      labels: true,
      fault: { op: 'sm.putPending', nth: 1, kind: 'server' },
    });
    world.store.beginRotation(world.secretName, 't1');
    const input = { step: 'createSecret' as const, secretId: world.secretName, token: 't1' };
    await expect(runRotationStep(world.deps, input)).rejects.toThrow();
    expect(world.issuer.active()).toHaveLength(2);
    await runRotationStep(world.deps, input);
    expect(world.issuer.active()).toHaveLength(2);
    expect(world.issuer.held).toHaveLength(3);
  });
});

describe('MemoryRotationLock', () => {
  it('gives one owner the lease until it is released or expires', async () => {
    let now = 0;
    const lock = new MemoryRotationLock(() => now);
    expect(await lock.acquire('arn:s', 'a', 10)).toBe(true);
    expect(await lock.acquire('arn:s', 'b', 10)).toBe(false);
    expect(await lock.acquire('arn:s', 'a', 10)).toBe(true);
    await lock.release('arn:s', 'b');
    expect(await lock.acquire('arn:s', 'b', 10)).toBe(false);
    now = 10_001;
    expect(await lock.acquire('arn:s', 'b', 10)).toBe(true);
    await lock.release('arn:s', 'b');
    expect(await lock.acquire('arn:s', 'c', 10)).toBe(true);
  });
});
