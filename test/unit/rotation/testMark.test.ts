/**
 * finishSecret promotes only what testSecret passed (issue 17, point 6): anyone allowed to
 * invoke the rotate function can send `finishSecret` for an AWSPENDING token on its own. The
 * mark testSecret writes into the ledger names the secret and the version; without a valid one
 * finishSecret refuses, AWSCURRENT stays, and the handler alerts. In-memory ports.
 */
import { randomUUID } from 'node:crypto';
import type { TestMark, VersionRecord } from '../../../lib/rotation/binding.js';
import { driveRotation } from '../../../lib/rotation/driver.js';
import { runRotationStep, type RotationStep } from '../../../lib/rotation/engine.js';
import { UntestedVersionError } from '../../../lib/rotation/errors.js';
import { handleRotationStep } from '../../../lib/rotation/handleStep.js';
import type { SecretDocument } from '../../../lib/rotation/secretDocument.js';
import { requireTestMark } from '../../../lib/rotation/testMark.js';
import { makeWorld, pin, type World } from './support/fakes.js';

/** A rotation started as Secrets Manager starts it, run through the given steps only. */
async function pendingAfter(world: World, steps: RotationStep[]): Promise<string> {
  const token = randomUUID();
  world.store.beginRotation(world.secretName, token);
  for (const step of steps) {
    await runRotationStep(world.deps, { step, secretId: world.secretName, token });
  }
  return token;
}

async function arnOf(world: World): Promise<string> {
  return (await world.store.describe(world.secretName)).arn;
}

/** finishSecret as the rotate function runs it (alerts on failure). */
function finish(world: World, token: string) {
  return handleRotationStep(
    { ...world.deps, alerts: [world.sink] },
    { step: 'finishSecret', secretId: world.secretName, token },
  );
}

/** A world registered `--no-test`: an API key without a probe. */
async function untestedWorld(): Promise<World> {
  const world = makeWorld();
  const doc = world.store.valueAt(world.secretName, 'AWSCURRENT') as SecretDocument;
  const { probe: _probe, ...test } = doc.test;
  const untested = { ...doc, test: { ...test, untested: true as const } };
  const meta = await world.store.describe(world.secretName);
  const versionId = world.store.putValue(world.secretName, JSON.stringify(untested));
  await pin(world.bindings, { arn: meta.arn, versionId }, untested);
  world.deps.providerReader = undefined; // the deployed rotator has no read-back
  return world;
}

describe('finishSecret requires the test mark', () => {
  it.each([
    ['after createSecret only', ['createSecret']],
    [
      'after createSecret and setSecret (the key already in the provider)',
      ['createSecret', 'setSecret'],
    ],
  ] as const)(
    'refuses an untested AWSPENDING %s: AWSCURRENT unchanged, alerted',
    async (_when, steps) => {
      // Prepare
      const world = makeWorld();
      const before = world.store.valueAt(world.secretName, 'AWSCURRENT');
      const token = await pendingAfter(world, [...steps]);

      // Act
      const refused = finish(world, token);

      // Assess
      await expect(refused).rejects.toBeInstanceOf(UntestedVersionError);
      await expect(refused).rejects.toThrow(/no test mark/);
      expect(world.store.valueAt(world.secretName, 'AWSCURRENT')).toEqual(before);
      expect(world.store.stages(world.secretName)[token]).toEqual(['AWSPENDING']);
      expect(world.issuer.isValid(world.initialSecret)).toBe(true);
      const alert = world.sink.alerts.find((a) => a.detailType === 'Rotation Failed');
      expect(alert?.detail).toMatchObject({
        step: 'finishSecret',
        errorClass: 'UntestedVersionError',
      });
      expect(world.sink.alerts.map((a) => a.detailType)).not.toContain('Rotation Succeeded');
    },
  );

  it('promotes once testSecret passed the version, which then carries the mark', async () => {
    const world = makeWorld();
    const token = await pendingAfter(world, ['createSecret', 'setSecret', 'testSecret']);

    await finish(world, token);

    const arn = await arnOf(world);
    expect(world.store.stages(world.secretName)[token]).toContain('AWSCURRENT');
    expect((await world.bindings.versionRecord(arn, token))?.tested).toMatchObject({
      secretArn: arn,
      versionId: token,
      result: 'passed',
    });
  });

  it('refuses a mark copied from another version of the same secret', async () => {
    const world = makeWorld();
    const arn = await arnOf(world);
    const tested = await pendingAfter(world, ['createSecret', 'setSecret', 'testSecret']);
    const mark = (await world.bindings.versionRecord(arn, tested))?.tested as TestMark;
    // The tested rotation is dropped; another one never reaches testSecret.
    const untested = randomUUID();
    await world.deps.store.updateStage(world.secretName, {
      stage: 'AWSPENDING',
      removeFromVersionId: tested,
    });
    world.store.beginRotation(world.secretName, untested);
    await runRotationStep(world.deps, {
      step: 'createSecret',
      secretId: world.secretName,
      token: untested,
    });
    const record = await world.bindings.versionRecord(arn, untested);
    await world.bindings.recordVersion(arn, { ...(record as VersionRecord), tested: mark });

    await expect(finish(world, untested)).rejects.toThrow(/for another secret or version/);
    expect(world.store.stages(world.secretName)[untested]).toEqual(['AWSPENDING']);
  });

  it('refuses a mark written for another secret', async () => {
    const world = makeWorld();
    const arn = await arnOf(world);
    const token = await pendingAfter(world, ['createSecret', 'setSecret']);
    const record = await world.bindings.versionRecord(arn, token);
    const elsewhere = arn.replace(/p-[0-9a-f]+/, 'p-other');
    await world.bindings.recordVersion(arn, {
      ...(record as VersionRecord),
      tested: { secretArn: elsewhere, versionId: token, result: 'passed', at: '2026-01-01' },
    });

    await expect(finish(world, token)).rejects.toThrow(/for another secret or version/);
    expect(world.store.stages(world.secretName)[token]).toEqual(['AWSPENDING']);
  });

  it('a --no-test registration lands with the untestedByDesign mark testSecret writes', async () => {
    const world = await untestedWorld();

    const result = await driveRotation(world.deps, world.secretName);

    expect(result.tested).toBe(false);
    const record = await world.bindings.versionRecord(await arnOf(world), result.versionId);
    expect(record?.tested?.result).toBe('untestedByDesign');
  });

  it('a --no-test registration still needs testSecret to have run', async () => {
    const world = await untestedWorld();
    const token = await pendingAfter(world, ['createSecret', 'setSecret']);

    await expect(finish(world, token)).rejects.toThrow(/no test mark/);
    expect(world.store.stages(world.secretName)[token]).toEqual(['AWSPENDING']);
  });

  it('an untestedByDesign mark on a registration that requires a test is refused', async () => {
    const world = makeWorld();
    const arn = await arnOf(world);
    const token = await pendingAfter(world, ['createSecret', 'setSecret']);
    const record = await world.bindings.versionRecord(arn, token);
    await world.bindings.recordVersion(arn, {
      ...(record as VersionRecord),
      tested: { secretArn: arn, versionId: token, result: 'untestedByDesign', at: '2026-01-01' },
    });

    await expect(finish(world, token)).rejects.toThrow(/requires a test/);
  });
});

describe('requireTestMark', () => {
  const where = { secretArn: 'arn:secret:a', versionId: 'v-1' };
  const record = (tested?: TestMark, versionId = 'v-1') => ({
    versionId,
    state: { issuerCredentialId: 'c-1', retiring: [] },
    writtenBy: 'rotator' as const,
    writtenAt: '2026-01-01',
    ...(tested ? { tested } : {}),
  });
  const mark = (over: Partial<TestMark> = {}): TestMark => ({
    ...where,
    result: 'passed',
    at: '2026-01-01',
    ...over,
  });
  const probed = { test: { attempts: 3 } } as Pick<SecretDocument, 'test'>;
  const noTest = { test: { attempts: 3, untested: true as const } } as Pick<SecretDocument, 'test'>;

  it.each([
    ['no ledger record', undefined, probed, /no test mark/],
    ['a record without a mark', record(), probed, /no test mark/],
    ['a mark for another version', record(mark({ versionId: 'v-2' })), probed, /another/],
    ['a mark for another secret', record(mark({ secretArn: 'arn:secret:b' })), probed, /another/],
    ['a record of another version', record(mark(), 'v-2'), probed, /another/],
    [
      'untestedByDesign without --no-test',
      record(mark({ result: 'untestedByDesign' })),
      probed,
      /requires a test/,
    ],
    [
      'an unknown result',
      record(mark({ result: 'maybe' as TestMark['result'] })),
      noTest,
      /requires a test/,
    ],
  ])('refuses %s', (_what, given, pending, message) => {
    expect(() => requireTestMark(given, where, pending)).toThrow(message);
  });

  it.each([
    ['passed', record(mark()), probed],
    ['passed, --no-test registration', record(mark()), noTest],
    [
      'untestedByDesign, --no-test registration',
      record(mark({ result: 'untestedByDesign' })),
      noTest,
    ],
  ])('accepts %s', (_what, given, pending) => {
    expect(requireTestMark(given, where, pending).versionId).toBe('v-1');
  });
});
