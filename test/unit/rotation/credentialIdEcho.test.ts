/**
 * `credentialId` is what the issuer calls a credential, and gatewarden treats it as safe to log:
 * it goes to the `stored AWSPENDING` log line, the version ledger and `register update`'s
 * review. The issuer (a customer webhook, a vendor API) chooses it. One that names the new
 * credential by its own value must not get that value logged and kept: the mint is refused.
 */
import { jest } from '@jest/globals';
import { handleRotationStep } from '../../../lib/rotation/handleStep.js';
import type { IssuedCredential } from '../../../lib/rotation/issuer.js';
import { logger } from '../../../lib/shared/logger.js';
import { safeReason } from '../../../lib/shared/redact.js';
import { makeWorld } from './support/fakes.js';

describe('an issuer naming a credential by its value', () => {
  let captured = '';
  const spies: { mockRestore(): void }[] = [];
  const level = logger.getLevelName();
  beforeAll(() => {
    logger.setLogLevel('DEBUG');
    for (const stream of [process.stdout, process.stderr]) {
      spies.push(
        jest.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
          captured += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
          return true;
        }),
      );
    }
  });
  afterAll(() => {
    for (const spy of spies) spy.mockRestore();
    logger.setLogLevel(level);
  });

  it.each([
    ['the whole value', (secret: string) => secret],
    ['part of it', (secret: string) => `key_${secret.slice(0, 12)}`],
  ])(
    'as %s: the mint is refused, and the value is in no log, record or error',
    async (_what, idOf) => {
      // Prepare: the issuer answers with a credential id made of the new value.
      const world = makeWorld();
      const mint = world.issuer.mint.bind(world.issuer);
      let minted = '';
      world.issuer.mint = async (...args: Parameters<typeof mint>): Promise<IssuedCredential> => {
        const credential = await mint(...args);
        minted = credential.apiKey ?? '';
        return { ...credential, credentialId: idOf(minted) };
      };
      world.store.beginRotation(world.secretName, 'scheduled-1');
      captured = '';

      // Act
      const step = handleRotationStep(
        { ...world.deps, alerts: [] },
        {
          step: 'createSecret',
          secretId: world.secretName,
          token: 'scheduled-1',
        },
      );

      // Assess
      const error = await step.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeDefined();
      expect(minted.length).toBeGreaterThan(12);
      const meta = await world.store.describe(world.secretName);
      const record = await world.bindings.versionRecord(meta.arn, 'scheduled-1');
      for (const text of [captured, safeReason(error), JSON.stringify(record ?? {})]) {
        expect(text).not.toContain(minted.slice(0, 12));
      }
      expect(world.store.valueAt(world.secretName, 'AWSPENDING')).toBeUndefined();
    },
  );
});
