import middy from '@middy/core';
import type { Context, SecretsManagerRotationEvent } from 'aws-lambda';
import { z } from 'zod';
import { awsRotationDeps } from '../lib/aws/rotationDeps.js';
import { normaliseStep } from '../lib/rotation/engine.js';
import { RotationError } from '../lib/rotation/errors.js';
import { handleRotationStep, type HandleStepDeps } from '../lib/rotation/handleStep.js';
import { withoutForeignText } from '../lib/shared/redact.js';

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

/** The event is not a Secrets Manager rotation event; retrying the same event cannot help. */
export class RotateEventError extends RotationError {}

/** The Secrets Manager rotation function: validate, run one step; errors rethrown for retry. */
export function makeHandler(deps: HandleStepDeps) {
  return middy(async (event: RotateEvent, context: Context): Promise<void> => {
    const parsed = rotationEvent.safeParse(event);
    if (!parsed.success) {
      // Field names only: the event's values are never echoed.
      throw new RotateEventError(
        `invalid rotation event: ${parsed.error.issues.map((i) => i.path.join('.') || i.message).join(', ')}`,
      );
    }
    const { Step, SecretId, ClientRequestToken, RotationToken } = parsed.data;
    await handleRotationStep(deps, {
      step: Step,
      secretId: SecretId,
      token: ClientRequestToken,
      ...(RotationToken ? { rotationToken: RotationToken } : {}),
      ...(typeof context.getRemainingTimeInMillis === 'function'
        ? { deadline: Date.now() + context.getRemainingTimeInMillis() }
        : {}),
    }).catch((error: unknown) => {
      // Rethrown for Secrets Manager to retry; the runtime logs its message, so no foreign text.
      throw withoutForeignText(error);
    });
  });
}

/**
 * Production wiring, built once per container so clients reuse their connections. The
 * AgentCore data-plane read-back (`providerReader`, enabled in the CLI by
 * GATEWARDEN_WORKLOAD_NAME) is left out on purpose: the rotate role holds no
 * GetWorkloadAccessToken / GetResourceApiKey, which would let it read every API key in the
 * token vault. testSecret proves an API key with its probe request instead.
 */
export function defaultDeps(env: NodeJS.ProcessEnv = process.env): HandleStepDeps {
  const { providerReader: _dataPlane, ...deps } = awsRotationDeps(env);
  return { ...deps, recorder: deps.store };
}

export const handler = makeHandler(defaultDeps());
