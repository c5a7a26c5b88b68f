import { changedPaths } from './binding.js';
import { BindingMismatchError, RotationError } from './errors.js';
import type { SecretDocument } from './secretDocument.js';

/**
 * Where a credential goes that the secret document does not say: the gateway's CUSTOM_JWT
 * authorizer (GetGateway) for an inbound client, and a MANAGED OAuth2 provider's vendor
 * configuration (GetOauth2CredentialProvider) for an outbound one. Their writers are not the
 * secret's writers (`UpdateGateway`, `UpdateOauth2CredentialProvider`), so `register` pins them
 * in the binding beside the document's steering fields, and rotation compares the live value
 * with the pin before any outbound call. Only `register update` accepts a change.
 */

/**
 * What a client's test sends its credential to, pinned at registration: for an inbound client
 * the gateway authorizer's issuer, for an outbound OAuth client the issuer of its document's
 * `test.discoveryUrl`. Whoever serves that discovery document (the IdP host, its DNS) does
 * not decide where the secret goes nor which keys prove it.
 */
export interface InboundDestination {
  /** The discovery URL when pinned (GetGateway's `customJWTAuthorizer`, or `test.discoveryUrl`). */
  discoveryUrl: string;
  /** What the discovery document said then: a later document must say the same. */
  issuer: string;
  jwksUri: string;
  discoveryTokenEndpoint: string;
  /** Where the client's credentials go: the document's, or the registered override. */
  tokenEndpoint: string;
}

/**
 * A MANAGED OAuth2 provider's vendor configuration as UpdateOauth2CredentialProvider takes it
 * (issuer, endpoints, discovery, private endpoint, client id…), without the secret fields. The
 * full-replace update writes exactly this back, with the new secret.
 */
export interface Oauth2Destination {
  vendor: string;
  /** The `oauth2ProviderConfigInput` member, e.g. `customOauth2ProviderConfig`. */
  member: string;
  config: Record<string, unknown>;
}

/** An outbound OAuth client's test destination: the same shape and rules as an inbound one. */
export type OutboundDestination = InboundDestination;

export interface Destinations {
  inbound?: InboundDestination;
  oauth2?: Oauth2Destination;
  outbound?: OutboundDestination;
}

export type DestinationKind = keyof Destinations;

/** The binding path of a destination's fields, as alerts and `register update` name them. */
export const DESTINATIONS_FIELD = 'destinations';

/** Which destinations a document's rotation depends on (and so needs pinned). */
export function neededDestinations(doc: SecretDocument): DestinationKind[] {
  if (doc.kind === 'inboundClient') return ['inbound'];
  const needed: DestinationKind[] = [];
  if (doc.provider?.type === 'oauth2' && doc.provider.secretSource === 'MANAGED')
    needed.push('oauth2');
  if (doc.kind === 'oauthClient' && doc.test.discoveryUrl) needed.push('outbound');
  return needed;
}

/** How messages name each destination: what it pins, and where it is read live. */
const PINS: Record<DestinationKind, { pins: string; live: string }> = {
  inbound: {
    pins: "the gateway authorizer's discovery URL and token endpoint",
    live: 'gateway authorizer',
  },
  oauth2: { pins: "the OAuth2 provider's vendor configuration", live: 'OAuth2 provider' },
  outbound: {
    pins: "the client test's issuer, JWKS and token endpoint",
    live: 'discovery document',
  },
};

/**
 * The pinned destination of one kind; a registration made before destinations were pinned
 * fails closed, telling the operator how to pin them.
 */
export function pinnedOf<K extends DestinationKind>(
  pinned: Destinations | undefined,
  kind: K,
  where: Record<string, string>,
): NonNullable<Destinations[K]> {
  const found = pinned?.[kind];
  if (found) return found as NonNullable<Destinations[K]>;
  const field = `${DESTINATIONS_FIELD}.${kind}`;
  throw new BindingMismatchError(
    `the registration does not pin ${PINS[kind].pins} (${field}): run \`gatewarden register update --secret <secret>\` to review and pin it`,
    { context: { ...where, fields: field, unpinned: true } },
  );
}

/**
 * Field names (never values) where a live destination differs from the pinned one, under
 * `destinations.<kind>`; an absent live value (authorizer removed) is a change of all of it.
 */
export function destinationChanges(
  kind: DestinationKind,
  pinned: unknown,
  live: unknown,
): string[] {
  return changedPaths(pinned, live ?? {}, `${DESTINATIONS_FIELD}.${kind}`);
}

/** Throws {@link BindingMismatchError} naming every changed field; the pin otherwise. */
export function assertSameDestination<T>(
  kind: DestinationKind,
  pinned: T,
  live: unknown,
  where: Record<string, string>,
): T {
  const fields = destinationChanges(kind, pinned, live);
  if (fields.length > 0) {
    throw new BindingMismatchError(
      `changed since registration: ${fields.join(', ')} (the live ${PINS[kind].live}); \`gatewarden register update\` accepts a change of yours`,
      { context: { ...where, fields: fields.join(',') } },
    );
  }
  return pinned;
}

/** Registration refuses a token endpoint the issuer does not answer for. */
export class DestinationError extends RotationError {}

/**
 * A client's token endpoint must be served by the issuer that signs its tokens: same origin
 * (scheme, host, port) as the issuer. One documented exception: Cognito user pools, whose
 * issuer is `cognito-idp.<region>.amazonaws.com` and whose token endpoint is the pool's
 * `*.auth.<region>.amazoncognito.com` domain (a custom domain is refused: pass it explicitly
 * only once it serves the issuer's origin).
 */
export function tokenEndpointServesIssuer(issuer: string, tokenEndpoint: string): boolean {
  let from: URL;
  let to: URL;
  try {
    from = new URL(issuer);
    to = new URL(tokenEndpoint);
  } catch {
    return false;
  }
  if (from.origin === to.origin) return true;
  const cognito = /^cognito-idp\.([a-z0-9-]+)\.amazonaws\.com$/.exec(from.hostname);
  return (
    cognito !== null &&
    from.protocol === 'https:' &&
    to.protocol === 'https:' &&
    to.port === '' &&
    to.hostname.endsWith(`.auth.${cognito[1]}.amazoncognito.com`)
  );
}

/** What a discovery document says about where tokens come from. */
export interface DiscoveredIssuer {
  issuer: string;
  tokenEndpoint: string;
  jwksUri: string;
}

/**
 * The inbound (or outbound) destination to pin: the discovery URL, what its document says, and
 * the token endpoint (an explicit override, or the document's), which must serve the issuer.
 */
export function inboundDestination(
  discoveryUrl: string,
  discovered: DiscoveredIssuer,
  tokenEndpointOverride?: string,
  kind: 'inbound' | 'outbound' = 'inbound',
): InboundDestination {
  const tokenEndpoint = tokenEndpointOverride ?? discovered.tokenEndpoint;
  if (!tokenEndpointServesIssuer(discovered.issuer, tokenEndpoint)) {
    throw new DestinationError(
      `the token endpoint${tokenEndpointOverride ? ' (--token-endpoint)' : ' of the discovery document'} is not on the issuer's origin: ${kind === 'inbound' ? "an inbound client's secret goes only to the issuer the gateway trusts" : "a client's secret goes only to the issuer that signs its tokens"}`,
      { context: { field: `${DESTINATIONS_FIELD}.${kind}.tokenEndpoint` } },
    );
  }
  return {
    discoveryUrl,
    issuer: discovered.issuer,
    jwksUri: discovered.jwksUri,
    discoveryTokenEndpoint: discovered.tokenEndpoint,
    tokenEndpoint,
  };
}
