/**
 * One sanitiser for every error text gatewarden copies out (issue 8 §5): the `Rotation Failed`
 * alert, the `gatewarden:last-rotation-error` tag and the CLI line all go through
 * `failureReason`. A table of error paths whose messages carry a canary value; none may leak.
 */
import { randomUUID } from 'node:crypto';
import { RotationStepError } from '../../../lib/rotation/driver.js';
import { runRotationStep } from '../../../lib/rotation/engine.js';
import {
  CredentialTestError,
  IssuerError,
  ProviderUpdateError,
} from '../../../lib/rotation/errors.js';
import { handleRotationStep } from '../../../lib/rotation/handleStep.js';
import { failureOf } from '../../../lib/rotation/onDemand.js';
import { describeResult } from '../../../lib/rotation/onDemandProgress.js';
import { CapturingSink, makeWorld } from './support/fakes.js';

const CANARY = 'CANARY-leak-3f9a8b7c6d5e4f';

function syntaxError(): Error {
  try {
    JSON.parse(`{"apiToken": "${CANARY}`);
  } catch (error) {
    return error as Error;
  }
  throw new Error('unreachable');
}

const sdkError = (): Error =>
  Object.assign(new Error(`Value '${CANARY}' at 'apiKey' failed to satisfy constraint`), {
    name: 'ValidationException',
    $metadata: { httpStatusCode: 400 },
  });

const networkError = (): Error =>
  new TypeError('fetch failed', {
    cause: new Error(`connect ECONNREFUSED https://admin:${CANARY}@idp.example/t?token=${CANARY}`),
  });

/** [path, the error as it reaches the reporting code]. */
const PATHS: [string, () => unknown][] = [
  ['a JSON parse error quoting an admin secret', syntaxError],
  ['an AWS SDK error echoing a value', sdkError],
  ['a network error with credentials and a token in its URL', networkError],
  [
    'our provider error wrapping an SDK error',
    () =>
      new ProviderUpdateError('could not update the credential provider', {
        cause: sdkError(),
        context: { provider: 'p' },
      }),
  ],
  [
    'our issuer error wrapping a parse error',
    () => new IssuerError('issuer failed', { cause: syntaxError(), context: {} }),
  ],
  [
    "the driver's step error around our test error around a network error",
    () =>
      new RotationStepError(
        'testSecret',
        'v1',
        new CredentialTestError('pending credential failed its test', {
          cause: networkError(),
          context: {},
        }),
        'arn:aws:secretsmanager:us-east-1:1:secret:gatewarden/x',
      ),
  ],
  ['a thrown string', () => `token ${CANARY}`],
];

describe('no error path copies a value into an alert, a tag or the CLI', () => {
  it.each(PATHS)('%s', async (_path, make) => {
    // Prepare: the issuer's mint fails with this error during a scheduled rotation.
    const world = makeWorld();
    const sink = new CapturingSink(world.faults);
    const tags: string[] = [];
    world.issuer.mint = () => Promise.reject(make());
    const token = randomUUID();
    world.store.beginRotation(world.secretName, token);

    // Act: the rotate function's path (alert + tag) and the CLI's (result line).
    await handleRotationStep(
      {
        ...world.deps,
        alerts: [sink],
        recorder: { setTag: async (_id, _key, value) => void tags.push(value ?? '') },
      },
      { step: 'createSecret', secretId: world.secretName, token },
    ).catch(() => undefined);
    const line = describeResult({ secretArn: 'arn', ms: 1, ...failureOf(make()) });

    // Assess
    const out = `${JSON.stringify(sink.alerts)}\n${tags.join('\n')}\n${line}`;
    expect(sink.alerts).toHaveLength(1);
    expect(tags).toHaveLength(1);
    expect(out).not.toContain(CANARY);
    expect(out).not.toContain(CANARY.slice(0, 14));
  });

  it('keeps our own identifier-only reasons (what failed, and the foreign class below it)', () => {
    const reason = failureOf(
      new ProviderUpdateError('could not update the credential provider', {
        cause: sdkError(),
        context: {},
      }),
    ).reason;
    expect(reason).toBe('could not update the credential provider (cause: ValidationException)');
    expect(failureOf(networkError()).reason).toBe('TypeError');
  });

  it('keeps the changed field names of a binding mismatch', async () => {
    const world = makeWorld();
    const doc = world.store.valueAt(world.secretName, 'AWSCURRENT');
    world.store.putValue(world.secretName, JSON.stringify({ ...doc, graceSeconds: 0 }));
    const error = await runRotationStep(
      world.deps,
      { step: 'createSecret', secretId: world.secretName, token: randomUUID() },
      { tokenMayBeNew: true },
    ).catch((e: unknown) => e);
    expect(failureOf(error).reason).toMatch(/graceSeconds/);
  });
});
