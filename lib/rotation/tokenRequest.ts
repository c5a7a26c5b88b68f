import { jsonOf } from './discovery.js';

/** What a client-credentials grant asks for. */
export interface ClientCredentialsGrant {
  clientId: string;
  clientSecret: string;
  scopes?: readonly string[];
  audience?: string;
}

/**
 * An OAuth2 client-credentials request (RFC 6749 §4.4) at `tokenEndpoint`, the client
 * authenticated with `client_secret_basic` (each part form-encoded, §2.3.1). Returns the
 * response, its JSON body (undefined when not JSON) and the Basic credential, so a caller can
 * keep it out of anything it reports. The caller judges the status and the token.
 */
export async function requestClientCredentials(
  fetchFn: typeof fetch,
  tokenEndpoint: URL,
  grant: ClientCredentialsGrant,
  timeoutMs: number,
): Promise<{ response: Response; json: Record<string, unknown> | undefined; basic: string }> {
  const body = new URLSearchParams({ grant_type: 'client_credentials' });
  if (grant.scopes?.length) body.set('scope', grant.scopes.join(' '));
  if (grant.audience) body.set('audience', grant.audience);
  const basic = Buffer.from(
    `${encodeURIComponent(grant.clientId)}:${encodeURIComponent(grant.clientSecret)}`,
  ).toString('base64');
  const response = await fetchFn(tokenEndpoint, {
    method: 'POST',
    headers: {
      authorization: `Basic ${basic}`,
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    },
    body,
    signal: AbortSignal.timeout(timeoutMs),
  });
  return { response, json: await jsonOf(response), basic };
}
