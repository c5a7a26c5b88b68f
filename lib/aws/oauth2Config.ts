import { RotationError } from '../rotation/errors.js';

/**
 * `UpdateOauth2CredentialProvider` replaces the whole vendor configuration, and the Get
 * response's output shapes are not its input shapes (as the SDK's model has them): included
 * vendors return their issuer and endpoints under `oauthDiscovery.authorizationServerMetadata`
 * but take them as top-level input fields; Microsoft takes a `tenantId` its output does not carry (it is in the
 * issuer URL). Copying the output member as-is lets the SDK serializer drop those fields, which
 * wipes them. This rebuilds every input field of each vendor from the output, and refuses
 * vendors it does not know rather than wipe what it cannot see.
 */
type Record_ = Record<string, unknown>;

interface Metadata {
  issuer?: string;
  authorizationEndpoint?: string;
  tokenEndpoint?: string;
}

/** Vendors whose input is the client id and secret fields only. */
const CLIENT_ONLY = new Set([
  'googleOauth2ProviderConfig',
  'githubOauth2ProviderConfig',
  'slackOauth2ProviderConfig',
  'linkedinOauth2ProviderConfig',
  'atlassianOauth2ProviderConfig',
  'salesforceOauth2ProviderConfig',
]);

/** Custom providers take these output fields back unchanged. */
const CUSTOM_FIELDS = [
  'oauthDiscovery',
  'onBehalfOfTokenExchangeConfig',
  'clientAuthenticationMethod',
  'privateKeyJwtConfig',
  'privateEndpoint',
  'privateEndpointOverrides',
] as const;

/** Microsoft's tenant is the first path segment of its issuer / discovery URL. */
const MICROSOFT_TENANT = /^https:\/\/login\.microsoftonline\.(?:com|us|cn)\/([^/]+)\//;

export class OAuth2ConfigError extends RotationError {}

/**
 * Every input field of one vendor member, rebuilt from its Get output, with the secret fields
 * (`clientSecret` or `clientSecretSource` + `clientSecretConfig`) taken from `secret`.
 */
export function oauth2InputFromOutput(member: string, output: Record_, secret: Record_): Record_ {
  const clientId = typeof output.clientId === 'string' ? output.clientId : undefined;
  const base = { ...(clientId ? { clientId } : {}), ...secret };
  const discovery = (output.oauthDiscovery ?? {}) as Record_;
  const metadata = (discovery.authorizationServerMetadata ?? {}) as Metadata;
  if (member === 'customOauth2ProviderConfig') {
    return { ...pick(output, CUSTOM_FIELDS), ...base };
  }
  if (member === 'includedOauth2ProviderConfig') {
    return {
      ...base,
      ...defined({
        issuer: metadata.issuer,
        authorizationEndpoint: metadata.authorizationEndpoint,
        tokenEndpoint: metadata.tokenEndpoint,
      }),
    };
  }
  if (member === 'microsoftOauth2ProviderConfig') {
    const from = [metadata.issuer, discovery.discoveryUrl].find(
      (url): url is string => typeof url === 'string' && MICROSOFT_TENANT.test(url),
    );
    const tenantId = from ? MICROSOFT_TENANT.exec(from)?.[1] : undefined;
    if (!tenantId) {
      throw new OAuth2ConfigError(
        'the Microsoft provider does not show its tenant (issuer URL): updating it would wipe tenantId',
        { context: { vendorConfig: member } },
      );
    }
    return { ...base, tenantId };
  }
  if (CLIENT_ONLY.has(member)) return base;
  throw new OAuth2ConfigError(
    'unknown OAuth2 vendor configuration: updating it could wipe fields gatewarden cannot see',
    { context: { vendorConfig: member } },
  );
}

function pick(value: Record_, keys: readonly string[]): Record_ {
  return Object.fromEntries(keys.filter((k) => value[k] !== undefined).map((k) => [k, value[k]]));
}

function defined(value: Record_): Record_ {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined));
}
