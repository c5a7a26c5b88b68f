/** API-key credential providers (`/identities/*ApiKeyCredentialProvider*`). */
import { conflict, epochSeconds, restJson, validation } from '../http.js';
import {
  deleteProvider,
  isTags,
  listPage,
  namedProvider,
  providerSummary,
  type Call,
  type Operation,
} from './operation.js';
import { parseSecretReference } from './oauthConfig.js';
import {
  apiKeyProviderArn,
  managedSecretName,
  requireName,
  type ApiKeyProvider,
  type SecretLocation,
} from './registry.js';
import {
  deleteManagedSecret,
  externalSecretArn,
  MANAGED_JSON_KEY,
  updateManagedSecret,
  writeManagedSecret,
} from './secrets.js';

function apiKeyView(provider: ApiKeyProvider, withTimes: boolean): Record<string, unknown> {
  return {
    name: provider.name,
    credentialProviderArn: provider.arn,
    apiKeySecretArn: { secretArn: provider.secret.secretArn },
    apiKeySecretSource: provider.secret.source,
    apiKeySecretJsonKey: provider.secret.jsonKey,
    ...(withTimes
      ? {
          createdTime: epochSeconds(provider.createdTime),
          lastUpdatedTime: epochSeconds(provider.lastUpdatedTime),
        }
      : {}),
  };
}

/** Where an API-key provider's value goes: our managed secret, or the caller's EXTERNAL one. */
async function apiKeyLocation(
  call: Call,
  name: string,
  previous?: SecretLocation,
): Promise<SecretLocation> {
  const { params, secrets } = call;
  const source = params.apiKeySecretSource ?? (params.apiKeySecretConfig ? 'EXTERNAL' : 'MANAGED');
  if (source === 'EXTERNAL') {
    if (params.apiKey !== undefined)
      throw validation('apiKey must not be set with apiKeySecretSource EXTERNAL');
    const reference = parseSecretReference(params.apiKeySecretConfig, 'apiKeySecretConfig');
    return {
      source: 'EXTERNAL',
      secretArn: await externalSecretArn(secrets, reference.secretId),
      jsonKey: reference.jsonKey,
    };
  }
  if (source !== 'MANAGED') throw validation('apiKeySecretSource must be MANAGED or EXTERNAL');
  if (params.apiKeySecretConfig !== undefined)
    throw validation('apiKeySecretConfig needs apiKeySecretSource EXTERNAL');
  if (typeof params.apiKey !== 'string' || params.apiKey === '')
    throw validation('apiKey is required');
  if (previous?.source === 'MANAGED') {
    await updateManagedSecret(secrets, previous, params.apiKey);
    return previous;
  }
  const jsonKey = MANAGED_JSON_KEY.apikey;
  const secretArn = await writeManagedSecret(
    secrets,
    managedSecretName('apikey', name),
    jsonKey,
    params.apiKey,
  );
  return { source: 'MANAGED', secretArn, jsonKey };
}

export const createApiKeyProvider: Operation = async (call) => {
  const name = requireName(call.params.name);
  if (call.directory.apiKey.has(name))
    throw conflict(`API key credential provider ${name} already exists`);
  const secret = await apiKeyLocation(call, name);
  const now = new Date();
  const provider: ApiKeyProvider = {
    name,
    arn: apiKeyProviderArn(call.region, call.accountId, name),
    secret,
    createdTime: now,
    lastUpdatedTime: now,
    ...(isTags(call.params.tags) ? { tags: call.params.tags } : {}),
  };
  call.directory.apiKey.set(name, provider);
  return restJson(201, apiKeyView(provider, false));
};

function apiKeyProvider(call: Call): ApiKeyProvider {
  return namedProvider(call.directory.apiKey, requireName(call.params.name), 'API key');
}

export const getApiKeyProvider: Operation = async (call) =>
  restJson(200, apiKeyView(apiKeyProvider(call), true));

export const updateApiKeyProvider: Operation = async (call) => {
  const provider = apiKeyProvider(call);
  const secret = await apiKeyLocation(call, provider.name, provider.secret);
  if (secret.source === 'EXTERNAL') await deleteManagedSecret(call.secrets, provider.secret);
  Object.assign(provider, { secret, lastUpdatedTime: new Date() });
  return restJson(200, apiKeyView(provider, true));
};

export const deleteApiKeyProvider: Operation = async (call) =>
  deleteProvider(call, call.directory.apiKey, apiKeyProvider(call));

export const listApiKeyProviders: Operation = async (call) =>
  listPage(call, 'credentialProviders', [...call.directory.apiKey.values()].map(providerSummary));
