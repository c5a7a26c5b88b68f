import {
  createRemoteJWKSet,
  customFetch,
  decodeProtectedHeader,
  jwtVerify,
  type JWTPayload,
} from 'jose';
import { boundedBody } from '../shared/boundedBody.js';
import { safeReason } from '../shared/redact.js';
import { destinationChanges, type DiscoveredIssuer } from './destinations.js';
import { type DiscoveryReader, fetchDiscovery } from './discovery.js';
import { BindingMismatchError, CredentialTestError } from './errors.js';
import { errorCodeOf } from './issuers/vendorHttp.js';
import type {
  ApiKeyProbe,
  ClientVerification,
  CredentialVerifier,
  JwtAuthorizer,
} from './ports.js';
import { requestClientCredentials } from './tokenRequest.js';
import { checkedUrl } from './urls.js';

interface Discovery extends DiscoveredIssuer {
  jwks: ReturnType<typeof createRemoteJWKSet>;
}

/**
 * Proves credentials over HTTP: OAuth client_credentials at the IdP's token endpoint, the JWT
 * verified with jose (JWKS and issuer from the discovery document, then the gateway
 * authorizer's allowed clients, audiences and scopes), and API keys with a probe request.
 * Errors carry HTTP statuses and OAuth error codes only — never a token or a secret.
 */
export class HttpCredentialVerifier implements CredentialVerifier, DiscoveryReader {
  private readonly discoveries = new Map<string, Promise<Discovery>>();

  /** Every request of the verifier: redirects are never followed (see {@link noRedirects}). */
  private readonly fetchFn: typeof fetch;

  constructor(
    fetchFn: typeof fetch = fetch,
    private readonly timeoutMs = 10_000,
  ) {
    this.fetchFn = noRedirects(fetchFn, timeoutMs);
  }

  async verifyClient(input: ClientVerification): Promise<void> {
    const pinned = input.pinned;
    const discovery = await this.discover(pinned?.discoveryUrl ?? input.discoveryUrl);
    if (pinned) {
      // The pinned issuer's document must still say what it said when pinned: a token
      // endpoint or JWKS it now names is never used, and no credential is sent.
      const fields = destinationChanges(
        input.pinnedAs ?? 'inbound',
        {
          issuer: pinned.issuer,
          jwksUri: pinned.jwksUri,
          discoveryTokenEndpoint: pinned.discoveryTokenEndpoint,
        },
        {
          issuer: discovery.issuer,
          jwksUri: discovery.jwksUri,
          discoveryTokenEndpoint: discovery.tokenEndpoint,
        },
      );
      if (fields.length > 0) {
        throw new BindingMismatchError(
          `the discovery document changed since registration: ${fields.join(', ')}; run \`gatewarden register update\` if the change is the issuer's`,
          { context: { fields: fields.join(',') } },
        );
      }
    }
    const tokenEndpoint = checkedUrl(
      pinned?.tokenEndpoint ?? input.tokenEndpoint ?? discovery.tokenEndpoint,
      'token endpoint',
    );
    const { response, json, basic } = await requestClientCredentials(
      this.fetchFn,
      tokenEndpoint,
      input,
      this.timeoutMs,
    );
    if (!response.ok) {
      const code = errorCodeOf(json, [input.clientSecret, basic]) ?? 'unknown';
      throw new CredentialTestError(`token endpoint answered HTTP ${response.status} (${code})`, {
        context: { status: response.status, oauthError: code },
      });
    }
    const accessToken = json?.access_token;
    if (typeof accessToken !== 'string')
      throw new CredentialTestError('token response has no access_token');
    try {
      decodeProtectedHeader(accessToken);
    } catch {
      throw new CredentialTestError(
        'access token is not a JWT; the gateway authorizer could not verify it',
      );
    }
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(accessToken, discovery.jwks, {
        issuer: pinned?.issuer ?? discovery.issuer,
      }));
    } catch (error) {
      // A redirect or network failure fetching the JWKS already names its status and host.
      if (error instanceof CredentialTestError) throw error;
      throw new CredentialTestError(`JWT verification failed (${safeReason(error)})`);
    }
    checkClaims(payload, input.clientId, input.scopes, input.authorizer);
  }

  async probeApiKey(probe: ApiKeyProbe, apiKey: string): Promise<void> {
    const url = checkedUrl(probe.url, 'probe URL');
    const value = `${probe.prefix ?? ''}${apiKey}`;
    const headers: Record<string, string> = {};
    if (probe.location === 'QUERY_PARAMETER') url.searchParams.set(probe.parameterName, value);
    else headers[probe.parameterName] = value;
    const response = await this.fetchFn(url, {
      method: probe.method,
      headers,
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    await response.body?.cancel();
    if (response.status !== probe.expectStatus) {
      throw new CredentialTestError(
        `probe answered HTTP ${response.status}, expected ${probe.expectStatus}`,
        {
          context: { status: response.status, host: url.host },
        },
      );
    }
  }

  /** The discovery document at `discoveryUrl` (cached per verifier; a failure is not). */
  discover(discoveryUrl: string): Promise<Discovery> {
    let found = this.discoveries.get(discoveryUrl);
    if (!found) {
      found = this.load(discoveryUrl);
      found.catch(() => this.discoveries.delete(discoveryUrl));
      this.discoveries.set(discoveryUrl, found);
    }
    return found;
  }

  private async load(discoveryUrl: string): Promise<Discovery> {
    const found = await fetchDiscovery(this.fetchFn, discoveryUrl, this.timeoutMs);
    return {
      ...found,
      jwks: createRemoteJWKSet(checkedUrl(found.jwksUri, 'jwks_uri'), {
        [customFetch]: this.fetchFn,
      }),
    };
  }
}

/** The checks a CUSTOM_JWT authorizer makes, plus the scopes the test asked for. */
export function checkClaims(
  payload: JWTPayload,
  clientId: string,
  scopes: string[] | undefined,
  authorizer: JwtAuthorizer | undefined,
): void {
  const tokenClient = typeof payload.client_id === 'string' ? payload.client_id : undefined;
  if (tokenClient !== undefined && tokenClient !== clientId) {
    throw new CredentialTestError('JWT client_id is not the rotated client');
  }
  if (
    authorizer?.allowedClients?.length &&
    !authorizer.allowedClients.includes(tokenClient ?? '')
  ) {
    throw new CredentialTestError('JWT client_id is not in the gateway allowedClients');
  }
  const audiences =
    payload.aud === undefined ? [] : Array.isArray(payload.aud) ? payload.aud : [payload.aud];
  if (
    authorizer?.allowedAudience?.length &&
    !audiences.some((aud) => authorizer.allowedAudience?.includes(aud))
  ) {
    throw new CredentialTestError('JWT aud is not in the gateway allowedAudience');
  }
  const granted = new Set(
    typeof payload.scope === 'string'
      ? payload.scope.split(' ').filter(Boolean)
      : Array.isArray(payload.scp)
        ? (payload.scp as string[])
        : [],
  );
  const missing = (scopes ?? []).filter((scope) => !granted.has(scope));
  if (missing.length > 0)
    throw new CredentialTestError(`JWT lacks requested scopes: ${missing.join(' ')}`);
  if (
    authorizer?.allowedScopes?.length &&
    !authorizer.allowedScopes.some((scope) => granted.has(scope))
  ) {
    throw new CredentialTestError('JWT carries none of the gateway allowedScopes');
  }
}

/**
 * Every request of the verifier goes through this. A redirect would carry the probe's key
 * header, the token request's Basic credentials or the next request to a host nobody pinned:
 * none is followed, and a 3xx fails the test naming the status and the host that answered
 * (never the Location). A network error becomes a test failure naming the host and the error's
 * class only: its message may quote the URL, and a probe URL may carry the key as a parameter.
 */
export function noRedirects(fetchFn: typeof fetch, timeoutMs = 10_000): typeof fetch {
  return (async (input: Parameters<typeof fetch>[0], init?: RequestInit) => {
    const host = new URL(input instanceof Request ? input.url : String(input)).host;
    let response: Response;
    try {
      response = await fetchFn(input, { ...init, redirect: 'manual' });
    } catch (error) {
      const name = (error as { name?: unknown } | null)?.name;
      const timedOut = name === 'TimeoutError' || name === 'AbortError';
      throw new CredentialTestError(
        timedOut
          ? `request to ${host} timed out after ${timeoutMs} ms`
          : `request to ${host} failed (${safeReason(error)})`,
        { context: { host, timeout: timedOut } },
      );
    }
    if (response.status >= 300 && response.status < 400) {
      await response.body?.cancel();
      throw new CredentialTestError(
        `HTTP ${response.status} redirect from ${host}: redirects are not followed`,
        { context: { status: response.status, host } },
      );
    }
    // Every body read (token, discovery, the JWKS jose reads) stops at the cap.
    return boundedBody(response, { host, ErrorType: CredentialTestError });
  }) as typeof fetch;
}
