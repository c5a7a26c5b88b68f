import { pinnedOf, type Destinations } from './destinations.js';
import { BindingMismatchError, ProviderUpdateError, SecretDocumentError } from './errors.js';
import type { RotationDeps } from './ports.js';
import type { SecretDocument } from './secretDocument.js';

/**
 * A MANAGED AgentCore provider keeps its own copy of the credential, so rotation pushes new
 * values to it (setSecret) and pushes the current one back when a rotation is abandoned. An
 * EXTERNAL provider reads the gatewarden secret itself; agents read inbound clients themselves.
 */
export function keepsOwnCopy(doc: SecretDocument): boolean {
  return (
    doc.kind !== 'inboundClient' &&
    doc.provider !== undefined &&
    doc.provider.secretSource === 'MANAGED'
  );
}

/**
 * Gives the provider a document's credential. The OAuth2 update is a full replace: the
 * adapter writes the pinned vendor configuration back (./destinations.ts) and refuses when the
 * live one differs. Errors name the provider, never the value.
 */
export async function pushCredential(
  deps: Pick<RotationDeps, 'providers'>,
  doc: SecretDocument,
  pinned: Destinations,
  where: Record<string, string> = {},
): Promise<void> {
  const provider = doc.provider;
  if (!provider) return;
  const context = { ...where, provider: provider.name };
  if (provider.type === 'apiKey' && !doc.apiKey) {
    throw new SecretDocumentError('document has no apiKey', { context });
  }
  if (provider.type === 'oauth2' && (!doc.clientId || !doc.clientSecret)) {
    throw new SecretDocumentError('document has no client credentials', { context });
  }
  const vendorConfig = provider.type === 'oauth2' ? pinnedOf(pinned, 'oauth2', context) : undefined;
  try {
    if (provider.type === 'apiKey' || !vendorConfig)
      await deps.providers.updateApiKey(provider.name, doc.apiKey ?? '');
    else
      await deps.providers.updateOauth2ClientSecret(
        provider.name,
        doc.clientId ?? '',
        doc.clientSecret ?? '',
        vendorConfig,
      );
  } catch (error) {
    if (error instanceof BindingMismatchError) throw error;
    throw new ProviderUpdateError('could not update the credential provider', {
      cause: error,
      context,
    });
  }
}
