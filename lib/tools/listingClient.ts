/**
 * The bearer token for listing a `CUSTOM_JWT` gateway's tools (`--listing-client SECRET`, the
 * CLI only, with the operator's credentials): an OAuth2 client-credentials grant made with an
 * inbound client that gatewarden already rotates for that gateway.
 *
 * Who decides what:
 * - which gateway the client may be used for: the registration's binding (signed, written by
 *   `gatewarden register` only), never the secret's value or tags;
 * - where the client secret goes: GetGateway's `customJWTAuthorizer.discoveryUrl` (the one the
 *   binding pinned) → its OIDC discovery document, whose `issuer` must be the discovery URL's
 *   issuer (OpenID Connect Discovery §4.3) and whose `token_endpoint` must be served by that
 *   issuer (the rule `register` pins inbound destinations with). Never the secret's value, its
 *   tags or the MCP server;
 * - what is asked for: the authorizer's `allowedScopes` and `allowedAudience`.
 * The client secret and the token are never in an error: errors name a status or a rule.
 */
import type { Binding } from '../rotation/binding.js';
import { tokenEndpointServesIssuer } from '../rotation/destinations.js';
import { fetchDiscovery } from '../rotation/discovery.js';
import { requestClientCredentials } from '../rotation/tokenRequest.js';
import { checkedUrl } from '../rotation/urls.js';
import { GatewardenError } from '../shared/errors.js';
import { errorClassOf } from '../shared/redact.js';
import { ToolsError } from './errors.js';
import type { BearerTokenSource, GatewayEndpoint } from './gatewayListing.js';

/** What the token source reads, each with the operator's credentials. */
export interface ListingClientPorts {
  /** The secret's ARN (bindings are keyed by it). */
  secretArn(secretId: string): Promise<string>;
  /** The secret's AWSCURRENT value. */
  currentValue(secretArn: string): Promise<string | undefined>;
  /** The registration's binding, its signature checked; undefined when not registered. */
  binding(secretArn: string): Promise<Binding | undefined>;
  /** Every HTTP request: redirects not followed, timed, bodies capped. */
  fetch: typeof fetch;
}

const WELL_KNOWN = '/.well-known/openid-configuration';
/** RFC 6750 `b64token`, bounded: anything else never goes into a header. */
const BEARER = /^[A-Za-z0-9\-._~+/]{1,16000}=*$/;

/** A client-credentials token from a registered inbound client of the gateway. */
export class ListingClientTokenSource implements BearerTokenSource {
  constructor(
    private readonly secretId: string,
    private readonly ports: ListingClientPorts,
    private readonly timeoutMs = 10_000,
  ) {}

  async token(gateway: GatewayEndpoint): Promise<string> {
    try {
      return await this.grant(gateway);
    } catch (error) {
      if (error instanceof ToolsError) throw error;
      // Our own errors name a status, a host or a rule; anything else only by its class.
      throw new ToolsError(
        `listing client: ${error instanceof GatewardenError ? error.message : errorClassOf(error)}`,
      );
    }
  }

  private async grant(gateway: GatewayEndpoint): Promise<string> {
    const jwt = gateway.jwtAuthorizer;
    if (jwt === undefined)
      throw new ToolsError('listing client: the gateway has no CUSTOM_JWT authorizer');
    const { arn, clientId, pinned } = await this.registration(gateway);
    if (pinned.discoveryUrl !== jwt.discoveryUrl)
      throw new ToolsError(
        `listing client: the gateway's discovery URL is not the one pinned when ${this.secretId} was registered (gatewarden register update reviews it)`,
      );
    const clientSecret = await this.clientSecret(arn, clientId);
    const { issuer, tokenEndpoint } = await this.discover(jwt.discoveryUrl);
    if (
      issuer !== pinned.issuer ||
      tokenEndpoint.href !== new URL(pinned.discoveryTokenEndpoint).href
    )
      throw new ToolsError(
        'listing client: the discovery document changed since registration (issuer or token_endpoint)',
      );
    const { response, json } = await requestClientCredentials(
      this.ports.fetch,
      tokenEndpoint,
      {
        clientId,
        clientSecret,
        scopes: jwt.allowedScopes,
        ...(jwt.allowedAudience?.[0] !== undefined ? { audience: jwt.allowedAudience[0] } : {}),
      },
      this.timeoutMs,
    );
    if (!response.ok)
      throw new ToolsError(`listing client: the token endpoint answered HTTP ${response.status}`);
    const token = json?.access_token;
    const type = json?.token_type;
    if (typeof token !== 'string' || !BEARER.test(token))
      throw new ToolsError('listing client: the token response has no usable access_token');
    if (type !== undefined && (typeof type !== 'string' || type.toLowerCase() !== 'bearer'))
      throw new ToolsError('listing client: the token response is not a bearer token');
    return token;
  }

  /** The binding says whose inbound client this is; the secret's value and tags do not. */
  private async registration(gateway: GatewayEndpoint) {
    const arn = await this.ports.secretArn(this.secretId);
    const binding = await this.ports.binding(arn);
    const steering = binding?.steering;
    if (steering === undefined || steering.kind !== 'inboundClient')
      throw new ToolsError(
        `listing client: ${this.secretId} is not registered with gatewarden as an inbound client`,
      );
    if (steering.gatewayId !== gateway.gatewayId)
      throw new ToolsError(
        `listing client: ${this.secretId} is registered for another gateway, not ${gateway.gatewayId}`,
      );
    const pinned = steering.destinations?.inbound;
    if (steering.clientId === undefined || pinned === undefined)
      throw new ToolsError(
        `listing client: the registration of ${this.secretId} pins no client id or authorizer (gatewarden register update pins them)`,
      );
    return { arn, clientId: steering.clientId, pinned };
  }

  /** The current client secret; a value naming another client id is refused. */
  private async clientSecret(arn: string, clientId: string): Promise<string> {
    const doc = parsed(await this.ports.currentValue(arn));
    if (doc === undefined || typeof doc.clientSecret !== 'string')
      throw new ToolsError('listing client: the secret holds no client secret');
    if (doc.clientId !== undefined && doc.clientId !== clientId)
      throw new ToolsError('listing client: the secret names another client id than registered');
    return doc.clientSecret;
  }

  /** The discovery document at the gateway's discovery URL, held to its own issuer. */
  private async discover(discoveryUrl: string): Promise<{ issuer: string; tokenEndpoint: URL }> {
    const url = checkedUrl(discoveryUrl, 'discovery URL');
    const { issuer, tokenEndpoint: endpoint } = await fetchDiscovery(
      this.ports.fetch,
      discoveryUrl,
      this.timeoutMs,
    );
    // OIDC Discovery §4.3: the issuer is the discovery URL without the well-known suffix.
    if (`${issuer.replace(/\/$/, '')}${WELL_KNOWN}` !== url.href)
      throw new ToolsError(
        "listing client: the discovery document's issuer is not its discovery URL's issuer",
      );
    const tokenEndpoint = checkedUrl(endpoint, 'token endpoint');
    if (!tokenEndpointServesIssuer(issuer, tokenEndpoint.href))
      throw new ToolsError(
        "listing client: the token endpoint is not served by the issuer: an inbound client's secret goes only to the issuer the gateway trusts",
      );
    return { issuer, tokenEndpoint };
  }
}

/** A JSON object, or undefined: the parser's message quotes the text, so it is dropped. */
function parsed(text: string | undefined): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text ?? 'null');
    return value !== null && typeof value === 'object'
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
