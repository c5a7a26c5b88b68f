import { safeReason } from '../shared/redact.js';
import { pinnedDestinations } from './liveDestinations.js';
import type { RotationDeps } from './ports.js';
import { pushCredential } from './providerCopy.js';
import type { SecretDocument } from './secretDocument.js';

/**
 * What putting a MANAGED provider back on a document's credential achieved:
 * - `verified`: pushed, and the provider, read back, serves exactly that credential;
 * - `unread`: pushed, but nothing here can read the provider back (no data-plane reader wired,
 *   or an OAuth2 provider, whose secret no API returns);
 * - `failed`: the push failed, or the read-back failed or showed another credential — the
 *   provider may still serve what was to be taken away.
 * `reason` is built with safeReason: identifiers only, never a value.
 */
export type RestoreOutcome =
  | { status: 'verified' }
  | { status: 'unread'; reason: string }
  | { status: 'failed'; reason: string };

/**
 * Pushes `doc`'s credential to its MANAGED provider (the adapter's full-replace update), then
 * reads the provider back where a reader is wired and compares. Never throws: the caller
 * decides what may be revoked from the outcome (only after `verified`).
 */
export async function restoreProvider(
  deps: Pick<RotationDeps, 'providers' | 'providerReader' | 'bindings'>,
  doc: SecretDocument,
  where: Record<string, string> & { secretArn: string },
): Promise<RestoreOutcome> {
  try {
    // Written back with the pinned vendor configuration, never the live one.
    await pushCredential(
      deps,
      doc,
      await pinnedDestinations(deps.bindings, where.secretArn),
      where,
    );
  } catch (error) {
    return { status: 'failed', reason: safeReason(error) };
  }
  const provider = doc.provider;
  const reader = provider?.type === 'apiKey' ? deps.providerReader : undefined;
  if (!provider || !reader) {
    return { status: 'unread', reason: 'the provider cannot be read back here' };
  }
  let served: string;
  try {
    served = await reader.readApiKey(provider.name);
  } catch (error) {
    return { status: 'failed', reason: `reading the provider back failed: ${safeReason(error)}` };
  }
  return served === doc.apiKey
    ? { status: 'verified' }
    : {
        status: 'failed',
        reason: 'the provider does not serve the current credential after the restore',
      };
}
