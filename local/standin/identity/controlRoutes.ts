/**
 * AgentCore Identity control plane (`POST /identities/<Operation>`), as
 * `@aws-sdk/client-bedrock-agentcore-control` sends it: API-key and OAuth2 credential
 * providers, workload identities, token vault.
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { FrontRequest, StandinContext, StandinRoute } from '../context.js';
import {
  conflict,
  epochSeconds,
  notFound,
  restJson,
  validation,
  type StandinResponse,
} from '../http.js';
import { parseOAuth2Config, parseSecretReference } from './oauthConfig.js';
import {
  apiKeyProviderArn,
  callbackUrlFor,
  IDENTITY_STATE,
  IdentityRegistry,
  managedSecretName,
  oauth2ProviderArn,
  page,
  requireName,
  workloadIdentityArn,
  type ApiKeyProvider,
  type IdentityDirectory,
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

type Params = Record<string, unknown>;
interface Call {
  params: Params;
  directory: IdentityDirectory;
  region: string;
  accountId: string;
  secrets: SecretsManagerClient;
}
type Operation = (call: Call) => Promise<StandinResponse>;

export function registryOf(context: StandinContext): IdentityRegistry {
  return context.state(IDENTITY_STATE, () => new IdentityRegistry());
}

// ---- API key credential providers -------------------------------------------------------

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

const createApiKeyProvider: Operation = async (call) => {
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
  const name = requireName(call.params.name);
  const provider = call.directory.apiKey.get(name);
  if (!provider) throw notFound(`API key credential provider ${name} not found`);
  return provider;
}

const getApiKeyProvider: Operation = async (call) =>
  restJson(200, apiKeyView(apiKeyProvider(call), true));

const updateApiKeyProvider: Operation = async (call) => {
  const provider = apiKeyProvider(call);
  const secret = await apiKeyLocation(call, provider.name, provider.secret);
  if (secret.source === 'EXTERNAL') await deleteManagedSecret(call.secrets, provider.secret);
  Object.assign(provider, { secret, lastUpdatedTime: new Date() });
  return restJson(200, apiKeyView(provider, true));
};

const deleteApiKeyProvider: Operation = async (call) => {
  const provider = apiKeyProvider(call);
  await deleteManagedSecret(call.secrets, provider.secret);
  call.directory.apiKey.delete(provider.name);
  return restJson(204, {});
};

const listApiKeyProviders: Operation = async (call) => {
  const all = [...call.directory.apiKey.values()].map((provider) => ({
    name: provider.name,
    credentialProviderArn: provider.arn,
    createdTime: epochSeconds(provider.createdTime),
    lastUpdatedTime: epochSeconds(provider.lastUpdatedTime),
  }));
  const result = page(all, call.params.maxResults, call.params.nextToken);
  return restJson(200, {
    credentialProviders: result.items,
    ...(result.nextToken ? { nextToken: result.nextToken } : {}),
  });
};

// ---- OAuth2 credential providers --------------------------------------------------------

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

const createOAuth2Provider: Operation = async (call) => {
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
  const name = requireName(call.params.name);
  const provider = call.directory.oauth2.get(name);
  if (!provider) throw notFound(`OAuth2 credential provider ${name} not found`);
  return provider;
}

const getOAuth2Provider: Operation = async (call) =>
  restJson(200, oauth2View(oauth2Provider(call), true));

const updateOAuth2Provider: Operation = async (call) => {
  const provider = oauth2Provider(call);
  const applied = await applyOAuth2Config(call, provider.name, provider);
  // A full replacement: fields the new configuration lacks are gone.
  delete provider.clientId;
  delete provider.secret;
  Object.assign(provider, applied);
  return restJson(200, oauth2View(provider, true));
};

const deleteOAuth2Provider: Operation = async (call) => {
  const provider = oauth2Provider(call);
  await deleteManagedSecret(call.secrets, provider.secret);
  call.directory.oauth2.delete(provider.name);
  return restJson(204, {});
};

const listOAuth2Providers: Operation = async (call) => {
  const all = [...call.directory.oauth2.values()].map((provider) => ({
    name: provider.name,
    credentialProviderVendor: provider.vendor,
    credentialProviderArn: provider.arn,
    createdTime: epochSeconds(provider.createdTime),
    lastUpdatedTime: epochSeconds(provider.lastUpdatedTime),
  }));
  const result = page(all, call.params.maxResults, call.params.nextToken);
  return restJson(200, {
    credentialProviders: result.items,
    ...(result.nextToken ? { nextToken: result.nextToken } : {}),
  });
};

// ---- Workload identities and token vault ------------------------------------------------

function returnUrls(value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || !value.every((url) => typeof url === 'string')) {
    throw validation('allowedResourceOauth2ReturnUrls must be a list of URLs');
  }
  return value as string[];
}

const createWorkload: Operation = async (call) => {
  const name = requireName(call.params.name);
  if (call.directory.workloads.has(name))
    throw conflict(`workload identity ${name} already exists`);
  const urls = returnUrls(call.params.allowedResourceOauth2ReturnUrls);
  const now = new Date();
  const workload = {
    name,
    arn: workloadIdentityArn(call.region, call.accountId, name),
    ...(urls ? { allowedResourceOauth2ReturnUrls: urls } : {}),
    createdTime: now,
    lastUpdatedTime: now,
  };
  call.directory.workloads.set(name, workload);
  return restJson(201, {
    name,
    workloadIdentityArn: workload.arn,
    ...(urls ? { allowedResourceOauth2ReturnUrls: urls } : {}),
  });
};

function workload(call: Call) {
  const name = requireName(call.params.name);
  const found = call.directory.workloads.get(name);
  if (!found) throw notFound(`workload identity ${name} not found`);
  return found;
}

function workloadView(found: ReturnType<typeof workload>): Record<string, unknown> {
  return {
    name: found.name,
    workloadIdentityArn: found.arn,
    ...(found.allowedResourceOauth2ReturnUrls
      ? { allowedResourceOauth2ReturnUrls: found.allowedResourceOauth2ReturnUrls }
      : {}),
    createdTime: epochSeconds(found.createdTime),
    lastUpdatedTime: epochSeconds(found.lastUpdatedTime),
  };
}

const getWorkload: Operation = async (call) => restJson(200, workloadView(workload(call)));

const updateWorkload: Operation = async (call) => {
  const found = workload(call);
  const urls = returnUrls(call.params.allowedResourceOauth2ReturnUrls);
  delete found.allowedResourceOauth2ReturnUrls;
  Object.assign(found, {
    ...(urls ? { allowedResourceOauth2ReturnUrls: urls } : {}),
    lastUpdatedTime: new Date(),
  });
  return restJson(200, workloadView(found));
};

const deleteWorkload: Operation = async (call) => {
  call.directory.workloads.delete(workload(call).name);
  return restJson(204, {});
};

const listWorkloads: Operation = async (call) => {
  const all = [...call.directory.workloads.values()].map((found) => ({
    name: found.name,
    workloadIdentityArn: found.arn,
  }));
  const result = page(all, call.params.maxResults, call.params.nextToken);
  return restJson(200, {
    workloadIdentities: result.items,
    ...(result.nextToken ? { nextToken: result.nextToken } : {}),
  });
};

function vaultId(params: Params): string {
  const id = params.tokenVaultId ?? 'default';
  if (id !== 'default') throw notFound(`token vault ${String(id)} not found`);
  return id;
}

const getTokenVault: Operation = async (call) => {
  const { vault } = call.directory;
  return restJson(200, {
    tokenVaultId: vaultId(call.params),
    kmsConfiguration: vault.kmsConfiguration,
    lastModifiedDate: epochSeconds(vault.lastModifiedDate),
  });
};

const setTokenVaultCmk: Operation = async (call) => {
  const id = vaultId(call.params);
  const kms = (call.params.kmsConfiguration ?? {}) as Record<string, unknown>;
  if (kms.keyType !== 'ServiceManagedKey' && kms.keyType !== 'CustomerManagedKey') {
    throw validation('kmsConfiguration.keyType must be ServiceManagedKey or CustomerManagedKey');
  }
  if (
    kms.keyType === 'CustomerManagedKey' &&
    (typeof kms.kmsKeyArn !== 'string' || !kms.kmsKeyArn.startsWith('arn:'))
  ) {
    throw validation('kmsConfiguration.kmsKeyArn is required for CustomerManagedKey');
  }
  call.directory.vault = {
    kmsConfiguration: {
      keyType: kms.keyType,
      ...(kms.keyType === 'CustomerManagedKey' ? { kmsKeyArn: String(kms.kmsKeyArn) } : {}),
    },
    lastModifiedDate: new Date(),
  };
  return restJson(200, {
    tokenVaultId: id,
    kmsConfiguration: call.directory.vault.kmsConfiguration,
    lastModifiedDate: epochSeconds(call.directory.vault.lastModifiedDate),
  });
};

function isTags(value: unknown): value is Record<string, string> {
  return (
    !!value &&
    typeof value === 'object' &&
    Object.values(value).every((tag) => typeof tag === 'string')
  );
}

/** Path → operation of the control plane's `/identities/` API. */
export const CONTROL_OPERATIONS: Record<string, Operation> = {
  '/identities/CreateApiKeyCredentialProvider': createApiKeyProvider,
  '/identities/GetApiKeyCredentialProvider': getApiKeyProvider,
  '/identities/UpdateApiKeyCredentialProvider': updateApiKeyProvider,
  '/identities/DeleteApiKeyCredentialProvider': deleteApiKeyProvider,
  '/identities/ListApiKeyCredentialProviders': listApiKeyProviders,
  '/identities/CreateOauth2CredentialProvider': createOAuth2Provider,
  '/identities/GetOauth2CredentialProvider': getOAuth2Provider,
  '/identities/UpdateOauth2CredentialProvider': updateOAuth2Provider,
  '/identities/DeleteOauth2CredentialProvider': deleteOAuth2Provider,
  '/identities/ListOauth2CredentialProviders': listOAuth2Providers,
  '/identities/CreateWorkloadIdentity': createWorkload,
  '/identities/GetWorkloadIdentity': getWorkload,
  '/identities/UpdateWorkloadIdentity': updateWorkload,
  '/identities/DeleteWorkloadIdentity': deleteWorkload,
  '/identities/ListWorkloadIdentities': listWorkloads,
  '/identities/get-token-vault': getTokenVault,
  '/identities/set-token-vault-cmk': setTokenVaultCmk,
};

export async function callerDirectory(
  request: FrontRequest,
  context: StandinContext,
): Promise<{ directory: IdentityDirectory; accountId: string }> {
  const accountId = await context.accountOf(request);
  return { directory: registryOf(context).directory(accountId, request.aws.region), accountId };
}

export const identityControlRoute: StandinRoute = {
  name: 'agentcore-identity:control',
  matches: (request) => request.method === 'POST' && request.path in CONTROL_OPERATIONS,
  async handle(request, context) {
    const operation = CONTROL_OPERATIONS[request.path];
    if (!operation) throw notFound(`no operation at ${request.path}`);
    const { directory, accountId } = await callerDirectory(request, context);
    return operation({
      params: request.aws.params,
      directory,
      region: request.aws.region,
      accountId,
      secrets: context.motoClient(SecretsManagerClient, request),
    });
  },
};
