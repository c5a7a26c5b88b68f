/** OAuth2 credential providers (`/identities/*Oauth2CredentialProvider*`). */
import { conflict, epochSeconds, restJson } from '../http.js';
import {
  deleteProvider,
  isTags,
  listPage,
  namedProvider,
  providerSummary,
  type Call,
  type Operation,
} from './operation.js';
import { parseOAuth2Config } from './oauthConfig.js';
import {
  callbackUrlFor,
  managedSecretName,
  oauth2ProviderArn,
  requireName,
  type OAuth2Provider,
  type SecretLocation,
} from './registry.js';
import {
  deleteManagedSecret,
  externalSecretArn,
  MANAGED_JSON_KEY,
  updateManagedSecret,
  writeManagedSecret,
} from './secrets.js';

function oauth2View(provider: OAuth2Provider, withDetails: boolean): Record<string, unknown> {
  return {
    name: provider.name,
    credentialProviderArn: provider.arn,
    ...(provider.secret
      ? {
          clientSecretArn: { secretArn: provider.secret.secretArn },
          clientSecretSource: provider.secret.source,
          clientSecretJsonKey: provider.secret.jsonKey,
        }
      : { clientSecretArn: { secretArn: '' } }),
    callbackUrl: provider.callbackUrl,
    oauth2ProviderConfigOutput: { [provider.configKey]: provider.configOutput },
    status: 'READY',
    ...(withDetails
      ? {
          credentialProviderVendor: provider.vendor,
          createdTime: epochSeconds(provider.createdTime),
          lastUpdatedTime: epochSeconds(provider.lastUpdatedTime),
        }
      : {}),
  };
}

/** Applies a full OAuth2 configuration (Create, or Update which replaces it) to `provider`. */
async function applyOAuth2Config(
  call: Call,
  name: string,
  previous?: OAuth2Provider,
): Promise<Omit<OAuth2Provider, 'createdTime' | 'callbackUrl' | 'tags'>> {
  const vendor = call.params.credentialProviderVendor;
  const parsed = parseOAuth2Config(vendor, call.params.oauth2ProviderConfigInput);
  let secret: SecretLocation | undefined;
  if (parsed.external) {
    secret = {
      source: 'EXTERNAL',
      secretArn: await externalSecretArn(call.secrets, parsed.external.secretId),
      jsonKey: parsed.external.jsonKey,
    };
    await deleteManagedSecret(call.secrets, previous?.secret);
  } else if (parsed.clientSecret !== undefined) {
    if (previous?.secret?.source === 'MANAGED') {
      await updateManagedSecret(call.secrets, previous.secret, parsed.clientSecret);
      secret = previous.secret;
    } else {
      const jsonKey = MANAGED_JSON_KEY.oauth2;
      secret = {
        source: 'MANAGED',
        secretArn: await writeManagedSecret(
          call.secrets,
          managedSecretName('oauth2', name),
          jsonKey,
          parsed.clientSecret,
        ),
        jsonKey,
      };
    }
  } else {
    await deleteManagedSecret(call.secrets, previous?.secret);
  }
  return {
    name,
    arn: oauth2ProviderArn(call.region, call.accountId, name),
    vendor: String(vendor),
    configKey: parsed.configKey,
    configOutput: parsed.configOutput,
    ...(parsed.clientId ? { clientId: parsed.clientId } : {}),
    ...(secret ? { secret } : {}),
    lastUpdatedTime: new Date(),
  };
}

export const createOAuth2Provider: Operation = async (call) => {
  const name = requireName(call.params.name);
  if (call.directory.oauth2.has(name))
    throw conflict(`OAuth2 credential provider ${name} already exists`);
  const applied = await applyOAuth2Config(call, name);
  const provider: OAuth2Provider = {
    ...applied,
    createdTime: applied.lastUpdatedTime,
    callbackUrl: callbackUrlFor(call.region),
    ...(isTags(call.params.tags) ? { tags: call.params.tags } : {}),
  };
  call.directory.oauth2.set(name, provider);
  return restJson(201, oauth2View(provider, false));
};

function oauth2Provider(call: Call): OAuth2Provider {
  return namedProvider(call.directory.oauth2, requireName(call.params.name), 'OAuth2');
}

export const getOAuth2Provider: Operation = async (call) =>
  restJson(200, oauth2View(oauth2Provider(call), true));

export const updateOAuth2Provider: Operation = async (call) => {
  const provider = oauth2Provider(call);
  const applied = await applyOAuth2Config(call, provider.name, provider);
  // A full replacement: fields the new configuration lacks are gone.
  delete provider.clientId;
  delete provider.secret;
  Object.assign(provider, applied);
  return restJson(200, oauth2View(provider, true));
};

export const deleteOAuth2Provider: Operation = async (call) =>
  deleteProvider(call, call.directory.oauth2, oauth2Provider(call));

export const listOAuth2Providers: Operation = async (call) =>
  listPage(
    call,
    'credentialProviders',
    [...call.directory.oauth2.values()].map((provider) => ({
      ...providerSummary(provider),
      credentialProviderVendor: provider.vendor,
    })),
  );
