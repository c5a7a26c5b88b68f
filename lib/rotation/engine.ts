import { logger, safe } from '../shared/logger.js';
import { createSecret } from './createSecret.js';
import { RotationPreconditionError } from './errors.js';
import { finishSecret } from './finishSecret.js';
import { STAGE, versionWithStage, type RotationDeps, type SecretMeta } from './ports.js';

export { versionWithStage };
import { setSecret } from './setSecret.js';
import { testSecret } from './testSecret.js';

export const rotationSteps = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const;
export type RotationStep = (typeof rotationSteps)[number];

/** One step of one rotation, as Secrets Manager sends it (after validation). */
export interface StepInput {
  step: RotationStep;
  secretId: string;
  /** ClientRequestToken: the version id of the new secret value. */
  token: string;
  /** Passed back to PutSecretValue when Secrets Manager sends one. */
  rotationToken?: string;
  /**
   * When the invocation ends (epoch ms; Lambda's remaining time): testSecret stops retrying in
   * time to fail, abandon and alert, instead of being killed by the function timeout.
   */
  deadline?: number;
}

export interface StepOptions {
  /**
   * The in-process driver starts rotations itself, so the token is not yet a version when
   * createSecret runs (Secrets Manager's RotateSecret creates it first). Only for createSecret.
   */
  tokenMayBeNew?: boolean;
}

/** `untested`: testSecret found nothing to prove the credential with (an API key, no probe). */
export type StepOutcome = 'done' | 'alreadyDone' | 'alreadyCurrent' | 'skipped' | 'untested';

/** What every step receives after the preamble. */
export interface StepContext {
  deps: RotationDeps;
  input: StepInput;
  meta: SecretMeta;
  /** Version id holding AWSCURRENT. */
  currentVersionId: string;
}

/** Accepts `createSecret` and `create_secret` (both spellings reach rotation functions). */
export function normaliseStep(step: string): RotationStep {
  const camel = step.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
  const found = rotationSteps.find((name) => name === camel);
  if (!found) throw new RotationPreconditionError('unknown rotation step', { context: { step } });
  return found;
}

/**
 * Runs one Secrets Manager rotation step: the preamble (rotation enabled; the token is a
 * version of the secret; already AWSCURRENT → nothing to do; it must be AWSPENDING), then the
 * step. Every step is idempotent, so Secrets Manager may retry any of them.
 */
export async function runRotationStep(
  deps: RotationDeps,
  input: StepInput,
  options: StepOptions = {},
): Promise<StepOutcome> {
  const where = { secretId: input.secretId, step: input.step, versionId: input.token };
  const meta = await deps.store.describe(input.secretId);
  if (!meta.rotationEnabled) {
    throw new RotationPreconditionError('rotation is not enabled on the secret', {
      context: where,
    });
  }
  const currentVersionId = versionWithStage(meta, STAGE.current);
  if (!currentVersionId) {
    throw new RotationPreconditionError('secret has no AWSCURRENT version', { context: where });
  }
  const stages = meta.versionStages[input.token];
  if (stages === undefined) {
    if (!(options.tokenMayBeNew && input.step === 'createSecret')) {
      throw new RotationPreconditionError('token is not a version of the secret', {
        context: where,
      });
    }
  } else if (stages.includes(STAGE.current)) {
    // A finishSecret that crashed after moving AWSCURRENT leaves AWSPENDING behind.
    if (stages.includes(STAGE.pending)) {
      await deps.store.updateStage(input.secretId, {
        stage: STAGE.pending,
        removeFromVersionId: input.token,
      });
    }
    logger.info('version already AWSCURRENT', safe(where));
    return 'alreadyCurrent';
  } else if (!stages.includes(STAGE.pending)) {
    throw new RotationPreconditionError('version is not AWSPENDING', { context: where });
  }

  const context: StepContext = { deps, input, meta, currentVersionId };
  logger.info('rotation step', safe({ ...where, secretArn: meta.arn }));
  switch (input.step) {
    case 'createSecret':
      return createSecret(context);
    case 'setSecret':
      return setSecret(context);
    case 'testSecret':
      return testSecret(context);
    case 'finishSecret':
      return finishSecret(context);
  }
}
