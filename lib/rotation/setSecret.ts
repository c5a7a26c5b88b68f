import { logger, safe } from '../shared/logger.js';
import type { StepContext, StepOutcome } from './engine.js';
import { ProviderUpdateError, SecretDocumentError } from './errors.js';
import { STAGE } from './ports.js';
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
  const provider = pending.provider;
  if (!provider || provider.secretSource === 'EXTERNAL' || pending.kind === 'inboundClient') {
    logger.info(
      'no provider copy to update',
      safe({ ...where, secretSource: provider?.secretSource }),
    );
    return 'skipped';
  }
  const context = { ...where, provider: provider.name };
  try {
    if (provider.type === 'apiKey') {
      if (!pending.apiKey)
        throw new SecretDocumentError('pending document has no apiKey', { context });
      await deps.providers.updateApiKey(provider.name, pending.apiKey);
    } else {
      if (!pending.clientId || !pending.clientSecret) {
        throw new SecretDocumentError('pending document has no client credentials', { context });
      }
      await deps.providers.updateOauth2ClientSecret(
        provider.name,
        pending.clientId,
        pending.clientSecret,
      );
    }
  } catch (error) {
    if (error instanceof SecretDocumentError) throw error;
    throw new ProviderUpdateError('could not update the credential provider', {
      cause: error,
      context,
    });
  }
  logger.info('updated credential provider', safe(context));
  return 'done';
}
