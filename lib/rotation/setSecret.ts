import { logger, safe } from '../shared/logger.js';
import type { StepContext, StepOutcome } from './engine.js';
import { STAGE } from './ports.js';
import { keepsOwnCopy, pushCredential } from './providerCopy.js';
import { proveCredential } from './testSecret.js';
import { checkDestinations } from './liveDestinations.js';
import { readTrusted } from './trusted.js';

/**
 * setSecret: make the pending credential usable by the gateway. A MANAGED AgentCore provider
 * keeps its own copy, so it gets the new value (the OAuth2 update is a full replacement: the
 * adapter reads the configuration back first). EXTERNAL providers read this secret directly,
 * and inbound clients are read by the agents themselves: nothing to push.
 */
export async function setSecret(ctx: StepContext): Promise<StepOutcome> {
  const { deps, input, meta } = ctx;
  const where = { secretArn: meta.arn, versionId: input.token };
  const pending = await readTrusted(
    deps,
    meta,
    { versionId: input.token, stage: STAGE.pending },
    ctx.currentVersionId,
  );
  if (!keepsOwnCopy(pending)) {
    logger.info(
      'no provider copy to update',
      safe({ ...where, secretSource: pending.provider?.secretSource }),
    );
    return 'skipped';
  }
  const context = { ...where, provider: pending.provider?.name ?? '' };
  // Test before push: the provider never sees a credential its issuer or target refuses (an
  // API key without a probe has nothing to prove here; testSecret says it went untested).
  const destinations = await checkDestinations(deps, meta.arn, pending);
  await proveCredential(ctx, pending, { readBack: false }, destinations);
  await pushCredential(deps, pending, destinations.pinned, where);
  logger.info('updated credential provider', safe(context));
  return 'done';
}
