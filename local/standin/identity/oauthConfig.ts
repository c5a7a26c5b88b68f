/**
 * The vendor union of OAuth2 credential providers: which config member a vendor uses, how its
 * discovery is published, and where the client secret comes from. Pure.
 */
import { validation } from '../http.js';

/** Config members of `oauth2ProviderConfigInput` and the vendors that use them. */
const MEMBER_VENDORS: Record<string, string | undefined> = {
  customOauth2ProviderConfig: 'CustomOauth2',
  googleOauth2ProviderConfig: 'GoogleOauth2',
  githubOauth2ProviderConfig: 'GithubOauth2',
  slackOauth2ProviderConfig: 'SlackOauth2',
  salesforceOauth2ProviderConfig: 'SalesforceOauth2',
  microsoftOauth2ProviderConfig: 'MicrosoftOauth2',
  atlassianOauth2ProviderConfig: 'AtlassianOauth2',
  linkedinOauth2ProviderConfig: 'LinkedinOauth2',
  // Every other vendor (Okta, Auth0, Cognito, PingOne, …) uses the generic "included" member.
  includedOauth2ProviderConfig: undefined,
};

const VENDORS = new Set([
  'AtlassianOauth2',
  'Auth0Oauth2',
  'CognitoOauth2',
  'CustomOauth2',
  'CyberArkOauth2',
  'DropboxOauth2',
  'FacebookOauth2',
  'FusionAuthOauth2',
  'GithubOauth2',
  'GoogleOauth2',
  'HubspotOauth2',
  'LinkedinOauth2',
  'MicrosoftOauth2',
  'NotionOauth2',
  'OktaOauth2',
  'OneLoginOauth2',
  'PingOneOauth2',
  'RedditOauth2',
  'SalesforceOauth2',
  'SlackOauth2',
  'SpotifyOauth2',
  'TwitchOauth2',
  'XOauth2',
  'YandexOauth2',
  'ZoomOauth2',
]);

type Discovery =
  | { discoveryUrl: string }
  | {
      authorizationServerMetadata: {
        issuer: string;
        authorizationEndpoint: string;
        tokenEndpoint: string;
      };
    };

/** Published endpoints of the vendors with a dedicated config member. */
function vendorDiscovery(member: string, config: Record<string, unknown>): Discovery | undefined {
  const metadata = (
    issuer: string,
    authorizationEndpoint: string,
    tokenEndpoint: string,
  ): Discovery => ({
    authorizationServerMetadata: { issuer, authorizationEndpoint, tokenEndpoint },
  });
  switch (member) {
    case 'googleOauth2ProviderConfig':
      return { discoveryUrl: 'https://accounts.google.com/.well-known/openid-configuration' };
    case 'microsoftOauth2ProviderConfig': {
      const tenant =
        typeof config.tenantId === 'string' && config.tenantId ? config.tenantId : 'common';
      return {
        discoveryUrl: `https://login.microsoftonline.com/${tenant}/v2.0/.well-known/openid-configuration`,
      };
    }
    case 'salesforceOauth2ProviderConfig':
      return { discoveryUrl: 'https://login.salesforce.com/.well-known/openid-configuration' };
    case 'linkedinOauth2ProviderConfig':
      return { discoveryUrl: 'https://www.linkedin.com/oauth/.well-known/openid-configuration' };
    case 'githubOauth2ProviderConfig':
      return metadata(
        'https://github.com',
        'https://github.com/login/oauth/authorize',
        'https://github.com/login/oauth/access_token',
      );
    case 'slackOauth2ProviderConfig':
      return metadata(
        'https://slack.com',
        'https://slack.com/oauth/v2/authorize',
        'https://slack.com/api/oauth.v2.access',
      );
    case 'atlassianOauth2ProviderConfig':
      return metadata(
        'https://auth.atlassian.com',
        'https://auth.atlassian.com/authorize',
        'https://auth.atlassian.com/oauth/token',
      );
    default:
      return undefined;
  }
}

export interface ParsedOAuth2Config {
  configKey: string;
  configOutput: Record<string, unknown>;
  clientId?: string;
  /** A MANAGED secret value from the request (never stored in the registry). */
  clientSecret?: string;
  external?: { secretId: string; jsonKey: string };
}

function isUrl(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  try {
    return ['http:', 'https:'].includes(new URL(value).protocol);
  } catch {
    return false;
  }
}

function parseDiscovery(value: unknown): Discovery {
  const discovery = (value ?? {}) as Record<string, unknown>;
  const members = Object.keys(discovery).filter((key) => discovery[key] !== undefined);
  if (members.length !== 1)
    throw validation(
      'oauthDiscovery must have exactly one of discoveryUrl, authorizationServerMetadata',
    );
  if (members[0] === 'discoveryUrl') {
    if (!isUrl(discovery.discoveryUrl))
      throw validation('oauthDiscovery.discoveryUrl must be an http(s) URL');
    return { discoveryUrl: discovery.discoveryUrl };
  }
  const metadata = (discovery.authorizationServerMetadata ?? {}) as Record<string, unknown>;
  if (
    typeof metadata.issuer !== 'string' ||
    !isUrl(metadata.authorizationEndpoint) ||
    !isUrl(metadata.tokenEndpoint)
  ) {
    throw validation(
      'authorizationServerMetadata needs issuer, authorizationEndpoint and tokenEndpoint',
    );
  }
  return {
    authorizationServerMetadata: {
      issuer: metadata.issuer,
      authorizationEndpoint: metadata.authorizationEndpoint,
      tokenEndpoint: metadata.tokenEndpoint,
    },
  };
}

/** Validates `credentialProviderVendor` + `oauth2ProviderConfigInput` (Create and the full-replacement Update). */
export function parseOAuth2Config(vendor: unknown, input: unknown): ParsedOAuth2Config {
  if (typeof vendor !== 'string' || !VENDORS.has(vendor))
    throw validation('credentialProviderVendor is not a supported vendor');
  const union = (input ?? {}) as Record<string, unknown>;
  const members = Object.keys(union).filter((key) => union[key] !== undefined);
  if (members.length !== 1) {
    throw validation('oauth2ProviderConfigInput must set exactly one vendor configuration');
  }
  const configKey = members[0] ?? '';
  if (!(configKey in MEMBER_VENDORS))
    throw validation(`unknown oauth2ProviderConfigInput member ${configKey}`);
  const expected = MEMBER_VENDORS[configKey];
  if (expected ? expected !== vendor : Object.values(MEMBER_VENDORS).includes(vendor)) {
    throw validation(`${configKey} does not match credentialProviderVendor ${vendor}`);
  }
  const config = (union[configKey] ?? {}) as Record<string, unknown>;
  const clientId =
    typeof config.clientId === 'string' && config.clientId ? config.clientId : undefined;
  if (!clientId && configKey !== 'customOauth2ProviderConfig')
    throw validation('clientId is required');

  let discovery: Discovery;
  if (configKey === 'customOauth2ProviderConfig') {
    discovery = parseDiscovery(config.oauthDiscovery);
  } else if (configKey === 'includedOauth2ProviderConfig') {
    if (isUrl(config.tokenEndpoint)) {
      discovery = {
        authorizationServerMetadata: {
          issuer:
            typeof config.issuer === 'string'
              ? config.issuer
              : new URL(config.tokenEndpoint).origin,
          authorizationEndpoint: isUrl(config.authorizationEndpoint)
            ? config.authorizationEndpoint
            : config.tokenEndpoint,
          tokenEndpoint: config.tokenEndpoint,
        },
      };
    } else if (isUrl(config.issuer)) {
      discovery = {
        discoveryUrl: `${config.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`,
      };
    } else {
      throw validation('includedOauth2ProviderConfig needs issuer or tokenEndpoint');
    }
  } else {
    discovery = vendorDiscovery(configKey, config) ?? {
      discoveryUrl: 'https://invalid.example/.well-known/openid-configuration',
    };
  }

  const parsed: ParsedOAuth2Config = {
    configKey,
    configOutput: {
      oauthDiscovery: discovery,
      ...(clientId ? { clientId } : {}),
      ...(typeof config.clientAuthenticationMethod === 'string'
        ? { clientAuthenticationMethod: config.clientAuthenticationMethod }
        : {}),
    },
    ...(clientId ? { clientId } : {}),
  };
  const source = config.clientSecretSource ?? (config.clientSecretConfig ? 'EXTERNAL' : 'MANAGED');
  if (source === 'EXTERNAL') {
    if (config.clientSecret !== undefined)
      throw validation('clientSecret must not be set with clientSecretSource EXTERNAL');
    parsed.external = parseSecretReference(config.clientSecretConfig, 'clientSecretConfig');
  } else if (source === 'MANAGED') {
    if (config.clientSecretConfig !== undefined)
      throw validation('clientSecretConfig needs clientSecretSource EXTERNAL');
    if (config.clientSecret !== undefined) {
      if (typeof config.clientSecret !== 'string' || config.clientSecret === '')
        throw validation('clientSecret must be a non-empty string');
      parsed.clientSecret = config.clientSecret;
    } else if (configKey !== 'customOauth2ProviderConfig') {
      throw validation('clientSecret or clientSecretConfig is required');
    }
  } else {
    throw validation('clientSecretSource must be MANAGED or EXTERNAL');
  }
  return parsed;
}

/** `{secretId, jsonKey}` of an EXTERNAL secret. */
export function parseSecretReference(
  value: unknown,
  field: string,
): { secretId: string; jsonKey: string } {
  const reference = (value ?? {}) as Record<string, unknown>;
  if (typeof reference.secretId !== 'string' || reference.secretId === '')
    throw validation(`${field}.secretId is required`);
  if (typeof reference.jsonKey !== 'string' || reference.jsonKey === '')
    throw validation(`${field}.jsonKey is required`);
  return { secretId: reference.secretId, jsonKey: reference.jsonKey };
}
