import type { BindingStore } from './binding.js';
import {
  assertSameDestination,
  DestinationError,
  type Destinations,
  inboundDestination,
  neededDestinations,
  pinnedOf,
} from './destinations.js';
import type { DiscoveryReader } from './discovery.js';
import type { GatewayReader, JwtAuthorizer, ProviderUpdater } from './ports.js';
import { RegistrationError } from './registerOptions.js';
import { safeReason } from '../shared/redact.js';
import type { SecretDocument } from './secretDocument.js';

/** Where the live destinations are read: GetGateway, GetOauth2CredentialProvider, discovery. */
export interface DestinationReaders {
  gateways: GatewayReader;
  providers: Pick<ProviderUpdater, 'readOauth2Destination'>;
  discovery: DiscoveryReader;
}

/** What a rotation step may use after {@link checkDestinations}. */
export interface CheckedDestinations {
  pinned: Destinations;
  /** The live CUSTOM_JWT authorizer (its clients, audiences and scopes are checked on tokens). */
  authorizer?: JwtAuthorizer;
}

/** The destinations the binding pins for a secret (none when it pins none). */
export async function pinnedDestinations(
  bindings: BindingStore,
  secretArn: string,
): Promise<Destinations> {
  return (await bindings.binding(secretArn))?.steering.destinations ?? {};
}

/**
 * Before a rotation step calls out: compares every live destination the document depends on
 * (the gateway authorizer's discovery URL from GetGateway; a MANAGED OAuth2 provider's vendor
 * configuration) with the pinned one. A change, a removed authorizer or a registration that
 * pins nothing yet throws BindingMismatchError naming the fields, before any outbound call.
 */
export async function checkDestinations(
  deps: { bindings: BindingStore; gateways: GatewayReader; providers: ProviderUpdater },
  secretArn: string,
  doc: SecretDocument,
): Promise<CheckedDestinations> {
  const needed = neededDestinations(doc);
  if (needed.length === 0) return { pinned: {} };
  const where = { secretArn, gatewayId: doc.gatewayId };
  const pinned = await pinnedDestinations(deps.bindings, secretArn);
  let authorizer: JwtAuthorizer | undefined;
  if (needed.includes('inbound')) {
    const inbound = pinnedOf(pinned, 'inbound', where);
    authorizer = await deps.gateways.jwtAuthorizer(doc.gatewayId);
    assertSameDestination(
      'inbound',
      { discoveryUrl: inbound.discoveryUrl },
      authorizer ? { discoveryUrl: authorizer.discoveryUrl } : undefined,
      where,
    );
  }
  if (needed.includes('outbound')) {
    // The document's discovery URL is steering (compared with the binding before); the
    // discovery document itself is compared with the pin by the verifier, before the token
    // request.
    const outbound = pinnedOf(pinned, 'outbound', where);
    assertSameDestination(
      'outbound',
      { discoveryUrl: outbound.discoveryUrl },
      { discoveryUrl: doc.test.discoveryUrl },
      where,
    );
  }
  if (needed.includes('oauth2') && doc.provider) {
    const oauth2 = pinnedOf(pinned, 'oauth2', where);
    const live = await deps.providers.readOauth2Destination(doc.provider.name);
    assertSameDestination('oauth2', oauth2, live, { ...where, provider: doc.provider.name });
  }
  return { pinned, ...(authorizer ? { authorizer } : {}) };
}

/**
 * What `register` and `register update` pin: each destination the document depends on, read
 * live. The inbound token endpoint is the document's `test.tokenEndpoint` override or the
 * discovery document's, and must be on the issuer's origin; so is an outbound OAuth client's,
 * read from its document's `test.discoveryUrl`.
 */
export async function readDestinations(
  readers: DestinationReaders,
  doc: SecretDocument,
): Promise<Destinations> {
  const destinations: Destinations = {};
  for (const kind of neededDestinations(doc)) {
    if (kind === 'inbound') {
      const authorizer = await readers.gateways.jwtAuthorizer(doc.gatewayId);
      if (!authorizer) {
        throw new DestinationError(
          `gateway ${doc.gatewayId} has no CUSTOM_JWT authorizer: there is no inbound destination to pin`,
          { context: { gatewayId: doc.gatewayId } },
        );
      }
      const discovered = await readers.discovery.discover(authorizer.discoveryUrl);
      destinations.inbound = inboundDestination(
        authorizer.discoveryUrl,
        discovered,
        doc.test.tokenEndpoint,
      );
    } else if (kind === 'outbound' && doc.test.discoveryUrl) {
      const discovered = await readers.discovery.discover(doc.test.discoveryUrl);
      destinations.outbound = inboundDestination(
        doc.test.discoveryUrl,
        discovered,
        doc.test.tokenEndpoint,
        'outbound',
      );
    } else if (kind === 'oauth2' && doc.provider) {
      destinations.oauth2 = await readers.providers.readOauth2Destination(doc.provider.name);
    }
  }
  return destinations;
}

/**
 * The live destinations the document depends on, to pin (`{ destinations }`), or nothing when
 * it depends on none. Read before anything is created: a token endpoint off the issuer's
 * origin, or a discovery document that cannot be read, refuses the registration.
 */
export async function pinDestinations(
  readers: DestinationReaders | undefined,
  doc: SecretDocument,
): Promise<{ destinations?: Destinations }> {
  const needed = neededDestinations(doc);
  if (needed.length === 0) return {};
  if (!readers) {
    throw new RegistrationError(
      `no reader of the live ${needed.join(' and ')} configuration is available to pin it`,
    );
  }
  try {
    return { destinations: await readDestinations(readers, doc) };
  } catch (error) {
    throw new RegistrationError(`could not pin where the credential goes: ${safeReason(error)}`, {
      cause: error,
      context: { gatewayId: doc.gatewayId },
    });
  }
}
