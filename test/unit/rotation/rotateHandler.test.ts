import { readFileSync } from 'node:fs';
import type { Context } from 'aws-lambda';
import { defaultDeps, makeHandler } from '../../../functions/rotate.js';
import {
  decodeStepInFlight,
  ROTATION_FAILURE_TAG,
  ROTATION_STEP_TAG,
} from '../../../lib/rotation/alerts.js';
import { MemoryAlertSink } from '../../../lib/alerts/alert.js';
import { makeWorld } from './support/fakes.js';

const context = {} as Context;

function setup(options: Parameters<typeof makeWorld>[0] = {}) {
  const world = makeWorld(options);
  const alerts = new MemoryAlertSink();
  const tags = new Map<string, string | undefined>();
  const handler = makeHandler({
    ...world.deps,
    alerts: [alerts],
    recorder: { setTag: async (_id, key, value) => void tags.set(key, value) },
  });
  return { world, alerts, tags, handler };
}

describe('rotate function', () => {
  it('runs the four steps from Secrets Manager events (snake_case accepted)', async () => {
    const { world, handler, tags } = setup();
    world.store.beginRotation(world.secretName, 'tok-1');
    for (const Step of ['create_secret', 'set_secret', 'testSecret', 'finishSecret']) {
      await handler(
        { Step, SecretId: world.secretName, ClientRequestToken: 'tok-1' } as never,
        context,
      );
    }
    expect(world.store.stages(world.secretName)['tok-1']).toEqual(['AWSCURRENT']);
    expect(tags.has(ROTATION_FAILURE_TAG)).toBe(true);
    expect(tags.get(ROTATION_FAILURE_TAG)).toBeUndefined();
  });

  it('records each step in flight with its invocation deadline, and clears it when the rotation lands', async () => {
    const { world, handler, tags } = setup();
    world.store.beginRotation(world.secretName, 'tok-3');
    const lambda = { getRemainingTimeInMillis: () => 120_000 } as unknown as Context;
    const seen: (string | undefined)[] = [];
    for (const Step of ['createSecret', 'setSecret', 'testSecret']) {
      const before = Date.now();
      await handler(
        { Step, SecretId: world.secretName, ClientRequestToken: 'tok-3' } as never,
        lambda,
      );
      const inFlight = decodeStepInFlight(tags.get(ROTATION_STEP_TAG) ?? '');
      seen.push(inFlight?.step);
      expect(inFlight?.versionId).toBe('tok-3');
      expect(inFlight?.deadline).toBeGreaterThanOrEqual(before + 119_000);
      expect(inFlight?.deadline).toBeLessThanOrEqual(Date.now() + 120_000);
    }
    expect(seen).toEqual(['createSecret', 'setSecret', 'testSecret']);
    await handler(
      { Step: 'finishSecret', SecretId: world.secretName, ClientRequestToken: 'tok-3' } as never,
      lambda,
    );
    expect(tags.has(ROTATION_STEP_TAG)).toBe(true);
    expect(tags.get(ROTATION_STEP_TAG)).toBeUndefined();
  });

  it.each([
    [{ Step: 'explodeSecret', SecretId: 's', ClientRequestToken: 't' }],
    [{ Step: 'createSecret', SecretId: '', ClientRequestToken: 't' }],
    [{ Step: 'createSecret', SecretId: 's' }],
  ])('rejects an invalid event %j', async (event) => {
    const { handler, alerts } = setup();
    await expect(handler(event as never, context)).rejects.toThrow(/invalid rotation event/);
    expect(alerts.alerts).toHaveLength(0);
  });

  it('alerts with identifiers only and rethrows so Secrets Manager retries', async () => {
    // The probe accepts the key once (setSecret's proof before push), then refuses it.
    const { world, handler, alerts, tags } = setup({
      fault: { op: 'verifier.probe', nth: 2, kind: 'server', always: true },
    });
    world.store.beginRotation(world.secretName, 'tok-2');
    await handler(
      { Step: 'createSecret', SecretId: world.secretName, ClientRequestToken: 'tok-2' } as never,
      context,
    );
    await handler(
      { Step: 'setSecret', SecretId: world.secretName, ClientRequestToken: 'tok-2' } as never,
      context,
    );
    await expect(
      handler(
        { Step: 'testSecret', SecretId: world.secretName, ClientRequestToken: 'tok-2' } as never,
        context,
      ),
    ).rejects.toMatchObject({ name: 'CredentialTestError' });
    expect(alerts.alerts).toHaveLength(1);
    expect(alerts.alerts[0]?.detail).toMatchObject({
      step: 'testSecret',
      errorClass: 'CredentialTestError',
      versionId: 'tok-2',
    });
    expect(tags.get(ROTATION_FAILURE_TAG)).toMatch(/testSecret CredentialTestError tok-2/);
    expect(world.store.valueAt(world.secretName, 'AWSCURRENT')?.apiKey).toBe(world.initialSecret);
  });

  it.each(['createSecret', 'setSecret', 'testSecret', 'finishSecret'])(
    'accepts the sample event events/rotate.%s.json',
    async (step) => {
      const event: unknown = JSON.parse(readFileSync(`events/rotate.${step}.json`, 'utf8'));
      const { handler, alerts } = setup();
      // The sample's secret does not exist here: the event passes validation and the failure
      // comes from Secrets Manager, reported as an alert with the step.
      await expect(handler(event as never, context)).rejects.toMatchObject({
        name: 'ResourceNotFoundException',
      });
      expect(alerts.alerts[0]?.detail).toMatchObject({
        step,
        errorClass: 'ResourceNotFoundException',
      });
    },
  );
});

describe('rotate function wiring', () => {
  it('never wires the AgentCore data-plane read-back, whatever the environment says', () => {
    // Prepare: the variable that switches the read-back on in the CLI.
    const env = { GATEWARDEN_WORKLOAD_NAME: 'gatewarden-rotator', AWS_REGION: 'us-east-1' };
    // Act
    const deps = defaultDeps(env);
    // Assess: the rotate role holds no GetWorkloadAccessToken / GetResourceApiKey.
    expect(deps.providerReader).toBeUndefined();
    expect(deps.recorder).toBe(deps.store);
  });
});
