/** Shared shape of the control-plane operations of the AgentCore Identity stand-in. */
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { FrontRequest, StandinContext } from '../context.js';
import { epochSeconds, notFound, restJson, type StandinResponse } from '../http.js';
import { deleteManagedSecret } from './secrets.js';
import {
  IDENTITY_STATE,
  IdentityRegistry,
  page,
  type IdentityDirectory,
  type SecretLocation,
} from './registry.js';

export type Params = Record<string, unknown>;

/** One call: its parameters and the caller's directory (account + region). */
export interface Call {
  params: Params;
  directory: IdentityDirectory;
  region: string;
  accountId: string;
  secrets: SecretsManagerClient;
}

export type Operation = (call: Call) => Promise<StandinResponse>;

export function registryOf(context: StandinContext): IdentityRegistry {
  return context.state(IDENTITY_STATE, () => new IdentityRegistry());
}

/** The directory of the caller's account and region. */
export async function callerDirectory(
  request: FrontRequest,
  context: StandinContext,
): Promise<{ directory: IdentityDirectory; accountId: string }> {
  const accountId = await context.accountOf(request);
  return { directory: registryOf(context).directory(accountId, request.aws.region), accountId };
}

export function isTags(value: unknown): value is Record<string, string> {
  return (
    !!value &&
    typeof value === 'object' &&
    Object.values(value).every((tag) => typeof tag === 'string')
  );
}

/** A List response: one page of `all` under `key`, with `nextToken` while more remain. */
export function listPage(call: Call, key: string, all: unknown[]): StandinResponse {
  const result = page(all, call.params.maxResults, call.params.nextToken);
  return restJson(200, {
    [key]: result.items,
    ...(result.nextToken ? { nextToken: result.nextToken } : {}),
  });
}

/** What API-key and OAuth2 credential providers have in common. */
interface CredentialProvider {
  name: string;
  arn: string;
  secret?: SecretLocation;
  createdTime: Date;
  lastUpdatedTime: Date;
}

/** The provider called `name`, or a NotFound naming its `kind`. */
export function namedProvider<P>(providers: Map<string, P>, name: string, kind: string): P {
  const provider = providers.get(name);
  if (!provider) throw notFound(`${kind} credential provider ${name} not found`);
  return provider;
}

/** Deletes a provider and the value it manages (an EXTERNAL secret stays the caller's). */
export async function deleteProvider<P extends CredentialProvider>(
  call: Call,
  providers: Map<string, P>,
  provider: P,
): Promise<StandinResponse> {
  await deleteManagedSecret(call.secrets, provider.secret);
  providers.delete(provider.name);
  return restJson(204, {});
}

/** The summary a List*CredentialProviders call returns for one provider. */
export function providerSummary(provider: CredentialProvider): Record<string, unknown> {
  return {
    name: provider.name,
    credentialProviderArn: provider.arn,
    createdTime: epochSeconds(provider.createdTime),
    lastUpdatedTime: epochSeconds(provider.lastUpdatedTime),
  };
}

/** Path → operation of the control plane's `/identities/` API. */
