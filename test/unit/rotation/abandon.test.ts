/**
 * A failed rotation never leaves the gateway on an untested credential (issue 9): the provider
 * gets AWSCURRENT back, the pending credential is revoked at its issuer, AWSPENDING is cleared,
 * and the next rotation is not refused as "in progress". In-memory ports.
 */
import { randomUUID } from 'node:crypto';
import { abandonRotation } from '../../../lib/rotation/abandon.js';
import { driveRotation, RotationInterruptedError } from '../../../lib/rotation/driver.js';
import { rotationSteps, runRotationStep } from '../../../lib/rotation/engine.js';
import { sweepSecret } from '../../../lib/rotation/sweep.js';
import { MemoryRotationLock } from '../../../lib/rotation/lock.js';
import { makeWorld, pin, secretOf } from './support/fakes.js';
import type { SecretDocument } from '../../../lib/rotation/secretDocument.js';

describe('abandoning a failed rotation', () => {
  it('setSecret proves the key before pushing: one the target refuses never reaches the provider', async () => {
    // Prepare: the probe refuses every key.
    const world = makeWorld({
      fault: { op: 'verifier.probe', nth: 1, kind: 'server', always: true },
    });
    const token = randomUUID();
    world.store.beginRotation(world.secretName, token);
    await runRotationStep(world.deps, { step: 'createSecret', secretId: world.secretName, token });
    const minted = world.store.valueAt(world.secretName, 'AWSPENDING')?.apiKey;

    // Act
    const failure = runRotationStep(world.deps, {
      step: 'setSecret',
      secretId: world.secretName,
      token,
    });

    // Assess: the provider never held the new key; the rotation was undone.
    await expect(failure).rejects.toThrow(/failed its test after 3 attempts.*abandoned: yes/);
    expect(world.providers.history).not.toContain(minted);
    expect(world.providers.values.get('prov-1')).toBe(world.initialSecret);
    expect(world.issuer.isValid(minted)).toBe(false);
    expect(world.store.valueAt(world.secretName, 'AWSPENDING')).toBeUndefined();
  });

  it('testSecret that fails for good rolls the provider back, revokes the new key and clears AWSPENDING', async () => {
    // Prepare: the probe accepts the new key once (before the push), then refuses it.
    const world = makeWorld({
      fault: { op: 'verifier.probe', nth: 2, kind: 'server', always: true },
    });
    const token = randomUUID();
    world.store.beginRotation(world.secretName, token);
    const step = (name: 'createSecret' | 'setSecret' | 'testSecret') =>
      runRotationStep(world.deps, { step: name, secretId: world.secretName, token });
    await step('createSecret');
    await step('setSecret');
    const pushed = world.providers.values.get('prov-1');
    expect(pushed).not.toBe(world.initialSecret); // setSecret did push the new key

    // Act
    const failure = step('testSecret');

    // Assess: the reason is in the error; the rotation was undone.
    await expect(failure).rejects.toThrow(
      /failed its test after 3 attempts: .*rotation abandoned: yes/,
    );
    expect(world.providers.values.get('prov-1')).toBe(world.initialSecret);
    expect(world.issuer.isValid(pushed)).toBe(false);
    expect(world.issuer.isValid(world.initialSecret)).toBe(true);
    expect(world.store.valueAt(world.secretName, 'AWSPENDING')).toBeUndefined();
    expect(JSON.stringify(await failure.catch((e: unknown) => String(e)))).not.toContain(
      pushed ?? 'never',
    );
  });

  it('a driver failure whose restore fails too revokes nothing and keeps AWSPENDING (issue 17)', async () => {
    // Prepare: the provider update fails after it took effect, on every try.
    const world = makeWorld({
      fault: { op: 'provider.update', nth: 1, kind: 'timeoutAfter', always: true },
    });

    // Act
    await expect(driveRotation(world.deps, world.secretName)).rejects.toThrow(/setSecret/);
    const pending = world.store.valueAt(world.secretName, 'AWSPENDING');

    // Assess: a restore that failed is no proof the provider left the pending key: that key
    // stays valid and AWSPENDING stays, for the sweep to retry and the next rotation to retire.
    expect(pending).toBeDefined();
    expect(world.issuer.isValid(secretOf(pending))).toBe(true);
    expect(world.issuer.isValid(world.initialSecret)).toBe(true);
    // The provider restore "timed out after taking effect": it holds AWSCURRENT.
    expect(world.providers.values.get('prov-1')).toBe(world.initialSecret);
  });

  it('the next rotation after an abandoned one runs at once (no "in progress" refusal)', async () => {
    // Prepare: the first probe fails (one test attempt), later ones pass.
    const world = makeWorld({
      testAttempts: 1,
      fault: { op: 'verifier.probe', nth: 1, kind: 'server' },
    });
    await expect(driveRotation(world.deps, world.secretName)).rejects.toThrow(/setSecret/);

    // Act
    const next = await driveRotation(world.deps, world.secretName);

    // Assess
    expect(next.steps.map((s) => s.step)).toEqual([
      'createSecret',
      'setSecret',
      'testSecret',
      'finishSecret',
    ]);
    expect(world.providers.values.get('prov-1')).toBe(
      secretOf(world.store.valueAt(world.secretName, 'AWSCURRENT')),
    );
  });

  it('does not revoke at an issuer without overlap (the old credential is already gone)', async () => {
    const world = makeWorld({
      overlap: false,
      graceSeconds: 0,
      fault: { op: 'verifier.probe', nth: 1, kind: 'server', always: true },
    });
    await expect(driveRotation(world.deps, world.secretName)).rejects.toThrow();
    // The new credential is the only live one: it must not be revoked too.
    expect(world.issuer.active()).toHaveLength(1);
  });

  it('leaves a landed rotation alone', async () => {
    const world = makeWorld();
    const result = await driveRotation(world.deps, world.secretName);
    await expect(abandonRotation(world.deps, world.secretName, result.versionId)).resolves.toEqual({
      restored: false,
      cleared: false,
    });
    expect(world.providers.values.get('prov-1')).toBe(
      secretOf(world.store.valueAt(world.secretName, 'AWSCURRENT')),
    );
  });
});

describe('own only what you minted', () => {
  it('never revokes a credential someone else created at the same issuer client', async () => {
    // Prepare: an issuer that cannot label; another consumer's secret on the same client.
    const world = makeWorld({ maxActive: 5, graceSeconds: 0 });
    const foreign = world.issuer.seed('another-consumers-secret');

    // Act: rotations and sweeps, well past every grace period.
    for (let i = 0; i < 3; i++) {
      await driveRotation(world.deps, world.secretName);
      world.clock.advance(3600);
      await sweepSecret(world.deps, world.secretName);
    }

    // Assess: gatewarden revoked what it minted and retired, never the foreign secret.
    expect(world.issuer.held.find((c) => c.id === foreign)?.active).toBe(true);
    expect(world.issuer.isValid(world.initialSecret)).toBe(false);
    expect(world.issuer.active()).toHaveLength(2);
  });

  it('revokes the credential of its own mint whose reply was lost (the step is retried)', async () => {
    // Prepare: the first mint takes effect but its reply is lost (no label, no id).
    const world = makeWorld({
      maxActive: 5,
      fault: { op: 'issuer.mint', nth: 1, kind: 'timeoutAfter' },
    });

    // Act: the driver retries createSecret with the same token.
    await driveRotation(world.deps, world.secretName);

    // Assess: the lost credential was revoked; current and the one in grace remain.
    const current = secretOf(world.store.valueAt(world.secretName, 'AWSCURRENT'));
    expect(world.faults.trace.filter((op) => op === 'issuer.mint')).toHaveLength(2);
    const active = world.issuer.active().map((c) => c.secret);
    expect(active.sort()).toEqual([current, world.initialSecret].sort());
  });
});

describe('time budget', () => {
  it('stops retrying testSecret in time to abandon and alert before the invocation ends', async () => {
    // Prepare: 20 attempts (backoff 1 s each) would outlast a 30 s invocation.
    const world = makeWorld({
      testAttempts: 20,
      fault: { op: 'verifier.probe', nth: 2, kind: 'server', always: true },
    });
    const token = randomUUID();
    world.store.beginRotation(world.secretName, token);
    const deadline = world.clock.now().getTime() + 30_000;
    for (const step of ['createSecret', 'setSecret'] as const)
      await runRotationStep(world.deps, { step, secretId: world.secretName, token });

    // Act
    const failure = runRotationStep(world.deps, {
      step: 'testSecret',
      secretId: world.secretName,
      token,
      deadline,
    });

    // Assess: it gave up with time to spare, said why, and rolled back.
    await expect(failure).rejects.toThrow(/no time left in the invocation.*abandoned: yes/);
    expect(world.clock.now().getTime()).toBeLessThanOrEqual(deadline);
    expect(world.faults.trace.filter((op) => op === 'verifier.probe').length).toBeLessThan(20);
    expect(world.providers.values.get('prov-1')).toBe(world.initialSecret);
  });
});

describe('interrupt', () => {
  it('Ctrl-C after setSecret: no further step, the rotation is undone and the lease released', async () => {
    // Prepare: interrupt as soon as the new key has reached the provider.
    const world = makeWorld();
    const controller = new AbortController();

    // Act
    const run = driveRotation(world.deps, world.secretName, {
      signal: controller.signal,
      onStep: (step) => {
        if (step === 'setSecret') controller.abort();
      },
    });

    // Assess
    await expect(run).rejects.toBeInstanceOf(RotationInterruptedError);
    expect(world.providers.values.get('prov-1')).toBe(world.initialSecret);
    expect(secretOf(world.store.valueAt(world.secretName, 'AWSCURRENT'))).toBe(world.initialSecret);
    expect(Object.values(world.store.stages(world.secretName)).flat()).not.toContain('AWSPENDING');
    expect(world.issuer.active().map((c) => c.secret)).toEqual([world.initialSecret]);
    await expect(driveRotation(world.deps, world.secretName)).resolves.toMatchObject({
      tested: true,
    });
  });
});

describe('a crashed holder', () => {
  it('is named with its lease expiry, and --force takes the rotation over', async () => {
    // Prepare: a run that crashed after createSecret holds the lease and a young AWSPENDING.
    const world = makeWorld();
    const lock = new MemoryRotationLock(() => world.clock.now().getTime());
    world.deps.lock = lock;
    await lock.acquire((await world.store.describe(world.secretName)).arn, 'crashed-run', 900);

    // Act + Assess: refused, naming the holder and when its lease ends.
    await expect(driveRotation(world.deps, world.secretName)).rejects.toThrow(
      /holds its lease \(holder crashed-run, until 2026-.*\); if it crashed, rotate --force/,
    );
    const forced = await driveRotation(world.deps, world.secretName, { force: true });
    expect(forced.tested).toBe(true);
    expect(world.providers.values.get('prov-1')).toBe(
      secretOf(world.store.valueAt(world.secretName, 'AWSCURRENT')),
    );
  });
});

describe('--force after a crash mid-rotation', () => {
  it.each(['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const)(
    'resumes and finishes the dead run that died after (or in) its %s instead of starting another',
    async (lastStep) => {
      // Prepare: a run that died right after `lastStep`, holding its lease and AWSPENDING.
      const world = makeWorld();
      const lock = new MemoryRotationLock(() => world.clock.now().getTime());
      world.deps.lock = lock;
      const arn = (await world.store.describe(world.secretName)).arn;
      await lock.acquire(arn, 'dead-run', 900);
      world.store.beginRotation(world.secretName, 'dead-run');
      const done = lastStep === 'finishSecret' ? 3 : rotationSteps.indexOf(lastStep) + 1;
      for (const step of rotationSteps.slice(0, done))
        await runRotationStep(world.deps, { step, secretId: world.secretName, token: 'dead-run' });
      if (lastStep === 'finishSecret') {
        // It died inside finishSecret: AWSCURRENT moved, AWSPENDING not yet removed.
        const meta = await world.store.describe(world.secretName);
        const current = Object.keys(meta.versionStages).find((v) =>
          meta.versionStages[v]?.includes('AWSCURRENT'),
        );
        await world.store.updateStage(world.secretName, {
          stage: 'AWSCURRENT',
          moveToVersionId: 'dead-run',
          ...(current ? { removeFromVersionId: current } : {}),
        });
      }
      const mintedBefore = world.issuer.held.length;

      // Act
      const resumed = await driveRotation(world.deps, world.secretName, { force: true });

      // Assess: the dead run's version is current, nothing else was minted, no AWSPENDING left.
      expect(resumed.versionId).toBe('dead-run');
      expect(world.store.stages(world.secretName)['dead-run']).toEqual(['AWSCURRENT']);
      expect(Object.values(world.store.stages(world.secretName)).flat()).not.toContain(
        'AWSPENDING',
      );
      expect(world.issuer.held.length).toBe(mintedBefore);
      expect(world.providers.values.get('prov-1')).toBe(
        secretOf(world.store.valueAt(world.secretName, 'AWSCURRENT')),
      );
      expect(await lock.holder(arn)).toBeUndefined();
    },
  );
});

describe('the sweep and a rotation nobody will finish', () => {
  it('undoes an AWSPENDING older than any rotation window: provider back on AWSCURRENT, pending revoked', async () => {
    // Prepare: every testSecret attempt was killed after setSecret pushed the new key.
    const world = makeWorld();
    world.store.beginRotation(world.secretName, 'killed');
    for (const step of ['createSecret', 'setSecret'] as const)
      await runRotationStep(world.deps, { step, secretId: world.secretName, token: 'killed' });
    const pushed = secretOf(world.store.valueAt(world.secretName, 'AWSPENDING'));
    expect(world.providers.values.get('prov-1')).toBe(pushed);

    // Act + Assess: within a day the sweep leaves it (Secrets Manager may still retry)…
    world.clock.advance(3600);
    expect((await sweepSecret(world.deps, world.secretName)).abandoned).toBeUndefined();
    expect(world.providers.values.get('prov-1')).toBe(pushed);
    // …after every rotation window it undoes it.
    world.clock.advance(25 * 3600);
    const swept = await sweepSecret(world.deps, world.secretName);
    expect(swept.abandoned).toBe('killed');
    expect(world.providers.values.get('prov-1')).toBe(world.initialSecret);
    expect(Object.values(world.store.stages(world.secretName)).flat()).not.toContain('AWSPENDING');
    expect(world.issuer.isValid(pushed)).toBe(false);
    expect(world.issuer.isValid(world.initialSecret)).toBe(true);
  });
});

describe('two registrations on one IdP client (shared knowingly)', () => {
  it('rotate alternately ten times and both keep working', async () => {
    // Prepare: a second gatewarden secret on the same issuer client (no small cap, like Entra).
    const world = makeWorld({ maxActive: 10, graceSeconds: 60 });
    const first = world.store.valueAt(world.secretName, 'AWSCURRENT') as SecretDocument;
    const otherSecret = 'another-gateways-secret';
    const otherId = world.issuer.seed(otherSecret);
    const otherName = `gatewarden/gw-2/apiKey/shared-${randomUUID().slice(0, 6)}`;
    const created = world.store.create(otherName, {
      ...first,
      gatewayId: 'gw-2',
      issuerCredentialId: otherId,
      apiKey: otherSecret,
    });
    await pin(
      world.bindings,
      created,
      world.store.valueAt(otherName, 'AWSCURRENT') as SecretDocument,
    );

    // Act + Assess: after every rotation and sweep, both current credentials work.
    for (let round = 0; round < 10; round++) {
      const name = round % 2 === 0 ? world.secretName : otherName;
      await driveRotation(world.deps, name);
      world.clock.advance(61);
      await sweepSecret(world.deps, world.secretName);
      await sweepSecret(world.deps, otherName);
      for (const secret of [world.secretName, otherName]) {
        expect(world.issuer.isValid(secretOf(world.store.valueAt(secret, 'AWSCURRENT')))).toBe(
          true,
        );
      }
    }
    // Nothing but the two current credentials is left at the issuer.
    expect(world.issuer.active()).toHaveLength(2);
  });
});
