import {
  encodeRotationFailureTag,
  encodeStepInFlight,
  ROTATION_FAILURE_TAG,
  ROTATION_STEP_TAG,
} from '../../../lib/rotation/alerts.js';
import {
  backoffDelay,
  failureOf,
  resolveSecrets,
  rotateMany,
  type Rotator,
  secretsManagerRotator,
  waitForRotation,
} from '../../../lib/rotation/onDemand.js';
import { STOPPED_MARGIN_MS } from '../../../lib/rotation/onDemandWait.js';
import { MemoryRotationControl } from '../../../lib/rotation/onDemandMemory.js';
import { TAGS } from '../../../lib/shared/env.js';

const throttled = () => Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });

function controlWith(count: number, gatewayId = 'gw-1'): MemoryRotationControl {
  const control = new MemoryRotationControl();
  for (let i = 0; i < count; i++) {
    const s = control.add(`gatewarden/${gatewayId}/apiKey/p${i}`, '{}', {
      [TAGS.gateway]: gatewayId,
      team: 'blue',
    });
    s.rotationLambdaArn = 'arn:aws:lambda:us-east-1:123456789012:function:rotate';
  }
  control.add('other', '{}', { [TAGS.gateway]: 'gw-2', team: 'blue=green' });
  return control;
}

describe('resolveSecrets', () => {
  it.each([
    ['a gateway', { gatewayId: 'gw-1' }, 3],
    ['a tag', { tag: 'team=blue' }, 3],
    ['a tag whose value has =', { tag: 'team=blue=green' }, 1],
  ])('finds the secrets of %s', async (_name, selector, expected) => {
    const arns = await resolveSecrets(controlWith(3), selector);
    expect(arns).toHaveLength(expected);
  });

  it('resolves one secret by name to its ARN', async () => {
    const control = controlWith(1);
    const [arn] = await resolveSecrets(control, { secretId: 'gatewarden/gw-1/apiKey/p0' });
    expect(arn).toMatch(/^arn:aws:secretsmanager:.*:secret:gatewarden\/gw-1\/apiKey\/p0-/);
  });

  it.each(['novalue=', '=x', 'plain'])('rejects the malformed tag %s', async (tag) => {
    await expect(resolveSecrets(controlWith(1), { tag })).rejects.toThrow(/KEY=VALUE/);
  });

  it('says so when nothing matches', async () => {
    await expect(resolveSecrets(controlWith(1), { gatewayId: 'gw-9' })).rejects.toThrow(
      /no secret carries the tag gatewarden:gateway=gw-9/,
    );
  });
});

describe('rotateMany', () => {
  it('keeps at most `concurrency` rotations in flight and returns results in input order', async () => {
    // Prepare
    let inFlight = 0;
    let peak = 0;
    const rotator: Rotator = {
      async rotate(secretArn) {
        inFlight++;
        peak = Math.max(peak, inFlight);
        await new Promise((r) => setTimeout(r, 5));
        inFlight--;
        return { secretArn, outcome: 'succeeded', ms: 5 };
      },
    };
    const arns = Array.from({ length: 20 }, (_, i) => `arn-${i}`);

    // Act
    const results = await rotateMany(rotator, arns, { concurrency: 4 });

    // Assess
    expect(peak).toBe(4);
    expect(results.map((r) => r.secretArn)).toEqual(arns);
  });

  it('backs off with jitter on throttling, then succeeds', async () => {
    const control = controlWith(1);
    control.failNext('startRotation', throttled(), 3);
    const sleeps: number[] = [];
    const [arn] = await resolveSecrets(control, { gatewayId: 'gw-1' });
    const results = await rotateMany(
      secretsManagerRotator(control, { wait: false }),
      [arn as string],
      {
        sleep: async (ms) => void sleeps.push(ms),
        random: () => 0.5,
        baseDelayMs: 100,
      },
    );
    expect(results[0]?.outcome).toBe('started');
    expect(sleeps).toEqual([50, 100, 200]);
  });

  it('reports a throttled secret as failed once the attempts are used up, and the others still run', async () => {
    const control = controlWith(2);
    control.failNext('startRotation', throttled(), 2);
    const arns = await resolveSecrets(control, { gatewayId: 'gw-1' });
    const results = await rotateMany(secretsManagerRotator(control, { wait: false }), arns, {
      concurrency: 1,
      maxAttempts: 2,
      sleep: async () => undefined,
    });
    expect(results.map((r) => r.outcome)).toEqual(['failed', 'started']);
    expect(results[0]).toMatchObject({ errorClass: 'ThrottlingException', step: 'start' });
  });

  it('does not retry errors that are not throttling', async () => {
    const control = controlWith(1);
    control.failNext(
      'startRotation',
      Object.assign(new Error('pending'), { name: 'InvalidRequestException' }),
    );
    const arns = await resolveSecrets(control, { gatewayId: 'gw-1' });
    const results = await rotateMany(secretsManagerRotator(control, { wait: false }), arns);
    expect(results[0]).toMatchObject({ outcome: 'failed', errorClass: 'InvalidRequestException' });
    expect(control.calls.filter((c) => c === 'startRotation')).toHaveLength(1);
  });
});

describe('backoffDelay', () => {
  it('grows exponentially up to the cap', () => {
    expect([0, 1, 2, 3, 10].map((a) => backoffDelay(a, 100, 1000, () => 0.999999))).toEqual([
      99, 199, 399, 799, 999,
    ]);
  });
});

describe('waitForRotation', () => {
  const fastWait = { pollMs: 1, sleep: async () => undefined };

  it('returns succeeded once AWSCURRENT moved to the new version and AWSPENDING is gone', async () => {
    const control = controlWith(1);
    const [arn] = await resolveSecrets(control, { gatewayId: 'gw-1' });
    let polls = 0;
    const original = control.describe.bind(control);
    control.describe = async (id) => {
      polls++;
      if (polls === 2)
        control.get(id).versions.set('v-new', { value: '{}', stages: ['AWSPENDING'] });
      if (polls === 4) control.land(id, 'v-new', '{"new":true}');
      return original(id);
    };
    const result = await waitForRotation(control, arn as string, 'v-new', fastWait);
    expect(result).toMatchObject({ outcome: 'succeeded', versionId: 'v-new' });
  });

  it('reports the step and error class the rotation function recorded for this version', async () => {
    const control = controlWith(1);
    const [arn] = await resolveSecrets(control, { gatewayId: 'gw-1' });
    const secret = control.get(arn as string);
    secret.versions.set('v-new', { value: '{}', stages: ['AWSPENDING'] });
    secret.tags[ROTATION_FAILURE_TAG] = encodeRotationFailureTag({
      secretArn: arn as string,
      step: 'testSecret',
      errorClass: 'CredentialTestError',
      versionId: 'v-new',
      reason: 'token endpoint refused the new secret',
    });
    const result = await waitForRotation(control, arn as string, 'v-new', fastWait);
    expect(result).toMatchObject({
      outcome: 'failed',
      step: 'testSecret',
      errorClass: 'CredentialTestError',
      reason: 'token endpoint refused the new secret',
    });
  });

  it('ignores a failure recorded for an older version and times out honestly', async () => {
    const control = controlWith(1);
    const [arn] = await resolveSecrets(control, { gatewayId: 'gw-1' });
    const secret = control.get(arn as string);
    secret.tags[ROTATION_FAILURE_TAG] = encodeRotationFailureTag({
      secretArn: arn as string,
      step: 'setSecret',
      errorClass: 'Old',
      versionId: 'v-old',
    });
    let t = 0;
    const result = await waitForRotation(control, arn as string, 'v-new', {
      ...fastWait,
      timeoutMs: 10,
      now: () => (t += 3),
    });
    expect(result).toMatchObject({ outcome: 'failed', errorClass: 'WaitTimeout' });
  });

  it('calls a rotation abandoned when the pending version vanished without becoming current', async () => {
    const control = controlWith(1);
    const [arn] = await resolveSecrets(control, { gatewayId: 'gw-1' });
    const secret = control.get(arn as string);
    secret.versions.set('v-new', { value: '{}', stages: ['AWSPENDING'] });
    let polls = 0;
    const original = control.describe.bind(control);
    control.describe = async (id) => {
      if (++polls === 2) secret.versions.delete('v-new');
      return original(id);
    };
    const result = await waitForRotation(control, arn as string, 'v-new', fastWait);
    expect(result).toMatchObject({ outcome: 'failed', errorClass: 'RotationAbandoned' });
  });
});

describe('waitForRotation when the rotate function is killed (issue 9 §7)', () => {
  async function pendingSecret() {
    const control = controlWith(1);
    const [arn] = await resolveSecrets(control, { gatewayId: 'gw-1' });
    const secret = control.get(arn as string);
    secret.versions.set('v-new', { value: '{}', stages: ['AWSPENDING'] });
    return { control, arn: arn as string, secret };
  }

  it('reports a step still in flight past its invocation deadline as the function stopping', async () => {
    const { control, arn, secret } = await pendingSecret();
    const deadline = Date.parse('2026-12-04T08:00:00Z');
    secret.tags[ROTATION_STEP_TAG] = encodeStepInFlight({
      versionId: 'v-new',
      step: 'testSecret',
      deadline,
    });
    let t = deadline - 60_000;
    const seen: number[] = [];
    const result = await waitForRotation(control, arn, 'v-new', {
      pollMs: 1,
      sleep: async () => undefined,
      now: () => {
        seen.push(t);
        return (t += 10_000);
      },
    });
    expect(result).toMatchObject({
      outcome: 'failed',
      step: 'testSecret',
      errorClass: 'RotateFunctionStopped',
    });
    expect(result.reason).toMatch(/stopped during testSecret .*Lambda timeout or crash/);
    // Not before the deadline plus its margin.
    expect(Math.max(...seen)).toBeGreaterThan(deadline + STOPPED_MARGIN_MS - 10_000);
  });

  it('keeps waiting while the step is within its deadline, and ignores other versions and junk', async () => {
    for (const value of [
      encodeStepInFlight({
        versionId: 'v-new',
        step: 'testSecret',
        deadline: Date.now() + 3_600_000,
      }),
      encodeStepInFlight({ versionId: 'v-older', step: 'testSecret', deadline: 0 }),
      'not a step tag',
    ]) {
      const { control, arn, secret } = await pendingSecret();
      secret.tags[ROTATION_STEP_TAG] = value;
      let t = Date.now();
      const result = await waitForRotation(control, arn, 'v-new', {
        pollMs: 1,
        sleep: async () => undefined,
        timeoutMs: 50,
        now: () => (t += 20),
      });
      expect(result).toMatchObject({ outcome: 'failed', errorClass: 'WaitTimeout' });
    }
  });

  it('prefers the failure the function recorded over the in-flight step', async () => {
    const { control, arn, secret } = await pendingSecret();
    secret.tags[ROTATION_STEP_TAG] = encodeStepInFlight({
      versionId: 'v-new',
      step: 'testSecret',
      deadline: 0,
    });
    secret.tags[ROTATION_FAILURE_TAG] = encodeRotationFailureTag({
      secretArn: arn,
      step: 'testSecret',
      errorClass: 'CredentialTestError',
      versionId: 'v-new',
      reason: 'probe answered 401',
    });
    const result = await waitForRotation(control, arn, 'v-new', {
      pollMs: 1,
      sleep: async () => undefined,
    });
    expect(result).toMatchObject({
      errorClass: 'CredentialTestError',
      reason: 'probe answered 401',
    });
  });
});

describe('failureOf', () => {
  it('takes step and error class from a driver step error and redacts the reason', () => {
    const cause = new Error('token eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl rejected');
    const error = Object.assign(
      new Error('rotation failed in testSecret (CredentialTestError)', { cause }),
      {
        name: 'RotationStepError',
        step: 'testSecret',
        versionId: 'v1',
        context: { errorClass: 'CredentialTestError' },
      },
    );
    const failure = failureOf(error);
    expect(failure).toMatchObject({
      step: 'testSecret',
      errorClass: 'CredentialTestError',
      versionId: 'v1',
    });
    expect(failure.reason).not.toContain('eyJhbGciOiJSUzI1NiJ9');
  });
});
