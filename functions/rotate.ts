import middy from '@middy/core';
import type { Context, SecretsManagerRotationEvent } from 'aws-lambda';
import { z } from 'zod';
import { awsRotationDeps } from '../lib/aws/rotationDeps.js';
import { normaliseStep } from '../lib/rotation/engine.js';
import { handleRotationStep, type HandleStepDeps } from '../lib/rotation/handleStep.js';

/** Secrets Manager's rotation event; `RotationToken` is sent for cross-account rotations. */
const rotationEvent = z.object({
  Step: z.string().transform((step, ctx) => {
    try {
      return normaliseStep(step);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'unknown rotation step' });
      return z.NEVER;
    }
  }),
  SecretId: z.string().min(1),
  ClientRequestToken: z.string().min(1),
  RotationToken: z.string().min(1).optional(),
});

export type RotateEvent = SecretsManagerRotationEvent & { RotationToken?: string };

/** The Secrets Manager rotation function: validate, run one step; errors rethrown for retry. */
export function makeHandler(deps: HandleStepDeps) {
  return middy(async (event: RotateEvent, _context: Context): Promise<void> => {
    const parsed = rotationEvent.safeParse(event);
    if (!parsed.success) {
      throw new Error(
        `invalid rotation event: ${parsed.error.issues.map((i) => i.path.join('.') || i.message).join(', ')}`,
      );
    }
    const { Step, SecretId, ClientRequestToken, RotationToken } = parsed.data;
    await handleRotationStep(deps, {
      step: Step,
      secretId: SecretId,
      token: ClientRequestToken,
      ...(RotationToken ? { rotationToken: RotationToken } : {}),
    });
  });
}

/** Clients are created once per container and reuse their connections. */
export function defaultDeps(): HandleStepDeps {
  const deps = awsRotationDeps();
  return { ...deps, recorder: deps.store };
}

export const handler = makeHandler(defaultDeps());
