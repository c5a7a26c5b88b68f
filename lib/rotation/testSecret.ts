import { logger, safe } from '../shared/logger.js';
import { safeReason } from '../shared/redact.js';
import type { StepContext, StepOutcome } from './engine.js';
import { pinnedOf } from './destinations.js';
import {
  BindingMismatchError,
  CredentialTestError,
  errorClass,
  RotationPreconditionError,
  SecretDocumentError,
} from './errors.js';
import { abandonRotation } from './abandon.js';
import { STAGE, type RotationDeps } from './ports.js';
import type { SecretDocument } from './secretDocument.js';
import { type CheckedDestinations, checkDestinations } from './liveDestinations.js';
import { markTested } from './testMark.js';
import { readTrusted } from './trusted.js';

const defaultBackoff = (attempt: number): number => Math.min(500 * 2 ** attempt, 8_000);

/** What one more attempt may take (a verifier request times out at 10 s) plus the abandon. */
export const ATTEMPT_BUDGET_MS = 20_000;

/**
 * testSecret: prove the pending credential before anyone depends on it. OAuth and inbound
 * clients get a client_credentials token whose JWT is verified (for inbound clients against
 * the gateway's CUSTOM_JWT authorizer from GetGateway); API keys pass the configured probe
 * and, for MANAGED providers, the data plane serves the new value. Propagation delay is
 * covered by bounded retries with exponential backoff. A version that passed gets the test
 * mark in its ledger record (./testMark.ts), without which finishSecret promotes nothing.
 */
export async function testSecret(ctx: StepContext): Promise<StepOutcome> {
  const pending = await readTrusted(
    ctx.deps,
    ctx.meta,
    { versionId: ctx.input.token, stage: STAGE.pending },
    ctx.currentVersionId,
  );
  const destinations = await checkDestinations(ctx.deps, ctx.meta.arn, pending);
  await proveCredential(ctx, pending, { readBack: true }, destinations);
  const where = { secretArn: ctx.meta.arn, versionId: ctx.input.token };
  if (!isTestable(ctx.deps, pending)) {
    logger.warn(
      'API key has no probe or provider read-back: rotated untested',
      safe({ ...where, gatewayId: pending.gatewayId }),
    );
    // Only a registration pinned `--no-test` may land untested; anything else stays unmarked
    // and finishSecret refuses it.
    if (pending.test.untested === true) await markTested(ctx.deps, where, 'untestedByDesign');
    return 'untested';
  }
  await markTested(ctx.deps, where, 'passed');
  return 'done';
}

/**
 * Proves a pending credential where it will be used, with bounded retries; when it fails for
 * good (attempts or the invocation's time used up) the rotation is abandoned (./abandon.ts:
 * the provider gets AWSCURRENT back, the pending credential is revoked, AWSPENDING removed)
 * and the error says why. `readBack: false` leaves out the MANAGED provider's read-back: that
 * is the proof setSecret makes at the issuer before the provider ever sees the credential.
 */
export async function proveCredential(
  ctx: StepContext,
  pending: SecretDocument,
  options: { readBack: boolean },
  destinations: CheckedDestinations,
): Promise<void> {
  const { deps, input, meta } = ctx;
  const where = { secretArn: meta.arn, versionId: input.token };
  const attempts = pending.test.attempts;
  const backoff = deps.backoffMs ?? defaultBackoff;
  for (let attempt = 0; ; attempt++) {
    try {
      await testOnce(deps, pending, options.readBack, destinations);
      logger.info('pending credential passed its test', safe({ ...where, attempts: attempt + 1 }));
      return;
    } catch (error) {
      if (error instanceof SecretDocumentError || error instanceof RotationPreconditionError)
        throw error;
      if (error instanceof BindingMismatchError) {
        // Not retried: the issuer's document no longer says what was pinned. The pending
        // credential was never sent; it is revoked like any credential that failed its test.
        const abandoned = await abandonRotation(deps, input.secretId, input.token).then(
          () => 'yes',
          (abandonError: unknown) => `incomplete (${errorClass(abandonError)})`,
        );
        throw new BindingMismatchError(`${error.message}; rotation abandoned: ${abandoned}`, {
          cause: error,
          context: { ...where, ...error.context, abandoned },
        });
      }
      const wait = backoff(attempt);
      const outOfTime =
        input.deadline !== undefined &&
        deps.clock.now().getTime() + wait + ATTEMPT_BUDGET_MS > input.deadline;
      if (attempt + 1 >= attempts || outOfTime) {
        const abandoned = await abandonRotation(deps, input.secretId, input.token).then(
          () => 'yes',
          (abandonError: unknown) => `incomplete (${errorClass(abandonError)})`,
        );
        // Our own errors carry identifier-only messages (status, OAuth error code, JWT check).
        const reason = safeReason(error);
        const tries = outOfTime
          ? `${attempt + 1} attempts (no time left in the invocation for another)`
          : `${attempts} attempts`;
        throw new CredentialTestError(
          `pending credential failed its test after ${tries}: ${reason}; rotation abandoned: ${abandoned}`,
          {
            cause: error,
            context: { ...where, lastError: errorClass(error), abandoned },
          },
        );
      }
      logger.info(
        'credential test failed, retrying',
        safe({ ...where, attempt: attempt + 1, error: errorClass(error) }),
      );
      await deps.clock.sleep(wait);
    }
  }
}

async function testOnce(
  deps: RotationDeps,
  doc: SecretDocument,
  readBack: boolean,
  destinations: CheckedDestinations,
): Promise<void> {
  const issuer = deps.issuers.get(doc.issuer.type);
  if (issuer.test) {
    await issuer.test(doc.issuer, doc, {
      credentialId: doc.issuerCredentialId ?? '',
      ...(doc.apiKey ? { apiKey: doc.apiKey } : {}),
      ...(doc.clientId ? { clientId: doc.clientId } : {}),
      ...(doc.clientSecret ? { clientSecret: doc.clientSecret } : {}),
    });
  }
  if (doc.kind === 'apiKey') {
    await testApiKey(deps, doc, readBack);
  } else {
    await testClient(deps, doc, destinations);
  }
}

/**
 * Whether testSecret can prove this credential: clients always (a token from the IdP); an API
 * key only with a probe, or a MANAGED provider read-back where the caller wired one.
 */
export function isTestable(
  deps: Pick<RotationDeps, 'providerReader'>,
  doc: SecretDocument,
): boolean {
  if (doc.kind !== 'apiKey') return true;
  return (
    doc.test.probe !== undefined ||
    (doc.provider?.secretSource === 'MANAGED' && deps.providerReader !== undefined)
  );
}

async function testApiKey(
  deps: RotationDeps,
  doc: SecretDocument,
  readBack: boolean,
): Promise<void> {
  const apiKey = doc.apiKey;
  if (!apiKey) throw new SecretDocumentError('pending document has no apiKey');
  if (doc.test.probe) await deps.verifier.probeApiKey(doc.test.probe, apiKey);
  // An EXTERNAL provider reads AWSCURRENT, which moves only in finishSecret.
  if (readBack && doc.provider && doc.provider.secretSource === 'MANAGED' && deps.providerReader) {
    const served = await deps.providerReader.readApiKey(doc.provider.name);
    if (served !== apiKey) {
      throw new CredentialTestError('credential provider does not serve the new API key yet', {
        context: { provider: doc.provider.name },
      });
    }
  }
}

/**
 * An inbound client is tested only at what `register` pinned (discovery, token endpoint,
 * issuer, JWKS), against the live authorizer's clients, audiences and scopes; its discovery
 * URL was compared with the pin before (./liveDestinations.ts). An outbound OAuth client the
 * same way at what `register` pinned from its document's `test.discoveryUrl`.
 */
async function testClient(
  deps: RotationDeps,
  doc: SecretDocument,
  destinations: CheckedDestinations,
): Promise<void> {
  const { clientId, clientSecret } = doc;
  if (!clientId || !clientSecret)
    throw new SecretDocumentError('pending document has no client credentials');
  const inbound =
    doc.kind === 'inboundClient'
      ? pinnedOf(destinations.pinned, 'inbound', { gatewayId: doc.gatewayId })
      : undefined;
  // An outbound client is tested only at its pinned issuer: a discovery document that now
  // names another token endpoint, JWKS or issuer gets no credential.
  const outbound =
    doc.kind === 'oauthClient' && doc.test.discoveryUrl
      ? pinnedOf(destinations.pinned, 'outbound', { gatewayId: doc.gatewayId })
      : undefined;
  const pinned = inbound ?? outbound;
  const authorizer = destinations.authorizer;
  if (inbound && !authorizer) {
    throw new RotationPreconditionError(
      'gateway has no CUSTOM_JWT authorizer to test an inbound client against',
      {
        context: { gatewayId: doc.gatewayId },
      },
    );
  }
  const discoveryUrl = pinned?.discoveryUrl ?? doc.test.discoveryUrl;
  if (!discoveryUrl) {
    throw new SecretDocumentError('an OAuth client secret needs test.discoveryUrl to be tested', {
      context: { gatewayId: doc.gatewayId },
    });
  }
  await deps.verifier.verifyClient({
    clientId,
    clientSecret,
    discoveryUrl,
    ...(doc.test.tokenEndpoint ? { tokenEndpoint: doc.test.tokenEndpoint } : {}),
    ...(doc.test.scopes ? { scopes: doc.test.scopes } : {}),
    ...(doc.test.audience ? { audience: doc.test.audience } : {}),
    ...(authorizer ? { authorizer } : {}),
    ...(inbound ? { pinned: inbound } : {}),
    ...(outbound ? { pinned: outbound, pinnedAs: 'outbound' as const } : {}),
  });
}
