import { isTooLarge } from '../shared/boundedBody.js';
import { CredentialTestError } from './errors.js';
import type { DiscoveredIssuer } from './destinations.js';
import { checkedUrl } from './urls.js';

/** Reads an OpenID Connect discovery document: issuer, token endpoint, JWKS. */
export interface DiscoveryReader {
  discover(discoveryUrl: string): Promise<DiscoveredIssuer>;
}

/**
 * Fetches a discovery document with `fetchFn` (the verifier's: no redirects, a timeout).
 * Errors name the status or the missing member, never the body.
 */
export async function fetchDiscovery(
  fetchFn: typeof fetch,
  discoveryUrl: string,
  timeoutMs = 10_000,
): Promise<DiscoveredIssuer> {
  const response = await fetchFn(checkedUrl(discoveryUrl, 'discovery URL'), {
    headers: { accept: 'application/json' },
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (!response.ok) {
    await response.body?.cancel();
    throw new CredentialTestError(`discovery answered HTTP ${response.status}`);
  }
  const doc = await jsonOf(response);
  if (!doc) throw new CredentialTestError('discovery document is not JSON');
  const { issuer, token_endpoint: tokenEndpoint, jwks_uri: jwksUri } = doc;
  if (
    typeof issuer !== 'string' ||
    typeof tokenEndpoint !== 'string' ||
    typeof jwksUri !== 'string'
  ) {
    throw new CredentialTestError('discovery document lacks issuer, token_endpoint or jwks_uri');
  }
  return { issuer, tokenEndpoint, jwksUri };
}

/**
 * A response body as a JSON object, or undefined. The parser's error quotes the text it choked
 * on, so it is dropped here and never becomes a message or a cause.
 */
export async function jsonOf(response: Response): Promise<Record<string, unknown> | undefined> {
  try {
    const json: unknown = await response.json();
    return json && typeof json === 'object' ? (json as Record<string, unknown>) : undefined;
  } catch (error) {
    // A reply past the size cap says so; any other parse error is dropped (it quotes the text).
    if (isTooLarge(error)) throw error;
    return undefined;
  }
}
