/**
 * Canaries: rotations run with recognisable secret values (initial and minted), through
 * successes and every kind of failure; no value may appear in captured logs (stdout/stderr),
 * alerts or error messages and their causes.
 */
import { jest } from '@jest/globals';
import type { Context } from 'aws-lambda';
import { makeHandler } from '../../../functions/rotate.js';
import { MemoryAlertSink } from '../../../lib/alerts/alert.js';
import { driveRotation } from '../../../lib/rotation/driver.js';
import { logger } from '../../../lib/shared/logger.js';
import { makeWorld, type FaultKind } from './support/fakes.js';

const CANARY = 'CANARYzq9x';

function errorText(error: unknown, depth = 0): string {
  if (!(error instanceof Error) || depth > 5) return String(error);
  const context = 'context' in error ? JSON.stringify((error as { context: unknown }).context) : '';
  return `${error.name} ${error.message} ${context} ${errorText((error as { cause?: unknown }).cause, depth + 1)}`;
}

describe('rotation canaries', () => {
  let captured = '';
  const writes: { mockRestore(): void }[] = [];

  beforeAll(() => {
    logger.setLogLevel('DEBUG');
    for (const stream of [process.stdout, process.stderr]) {
      writes.push(
        jest.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
          captured += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
          return true;
        }),
      );
    }
  });
  afterAll(() => {
    for (const spy of writes) spy.mockRestore();
  });

  const cases: [string, Parameters<typeof makeWorld>[0]][] = [
    ['success apiKey', { kind: 'apiKey' }],
    ['success oauth', { kind: 'oauthClient' }],
    ['success inbound', { kind: 'inboundClient' }],
    ...(['throttle', 'server', 'timeoutAfter'] as FaultKind[]).flatMap((kind) =>
      ['sm.putPending', 'provider.update', 'verifier.probe', 'issuer.mint', 'sm.updateStage'].map(
        (op) =>
          [`${op} ${kind}`, { kind: 'apiKey', fault: { op, nth: 1, kind, always: true } }] as [
            string,
            Parameters<typeof makeWorld>[0],
          ],
      ),
    ),
  ];

  it.each(cases)('%s leaks no value', async (_name, options) => {
    const world = makeWorld({ ...options, canary: CANARY });
    const alerts = new MemoryAlertSink();
    const handler = makeHandler({ ...world.deps, alerts: [alerts] });
    const errors: unknown[] = [];
    world.store.beginRotation(world.secretName, 'tok');
    for (const Step of ['createSecret', 'setSecret', 'testSecret', 'finishSecret']) {
      await handler(
        { Step, SecretId: world.secretName, ClientRequestToken: 'tok' } as never,
        {} as Context,
      ).catch((e: unknown) => errors.push(e));
    }
    await driveRotation(world.deps, world.secretName).catch((e: unknown) => errors.push(e));

    const values = world.issuer.held.map((c) => c.secret);
    expect(values.every((v) => v.startsWith(CANARY))).toBe(true);
    const surfaces = [
      captured,
      JSON.stringify([...alerts.alerts, ...world.sink.alerts]),
      errors.map((e) => errorText(e)).join('\n'),
    ];
    expect(captured).toContain('rotation step'); // the capture really sees the logs
    for (const surface of surfaces) expect(surface).not.toContain(CANARY);
  });
});
