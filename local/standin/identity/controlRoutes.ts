/**
 * AgentCore Identity control plane (`POST /identities/<Operation>`), as
 * `@aws-sdk/client-bedrock-agentcore-control` sends it: API-key and OAuth2 credential
 * providers, workload identities, token vault.
 */
import type { StandinRoute } from '../context.js';
import { notFound } from '../http.js';
import {
  createApiKeyProvider,
  deleteApiKeyProvider,
  getApiKeyProvider,
  listApiKeyProviders,
  updateApiKeyProvider,
} from './apiKeyProviders.js';
import {
  createOAuth2Provider,
  deleteOAuth2Provider,
  getOAuth2Provider,
  listOAuth2Providers,
  updateOAuth2Provider,
} from './oauth2Providers.js';
import { callerDirectory, type Operation } from './operation.js';
import { secretsAsCaller } from './secrets.js';
import {
  createWorkload,
  deleteWorkload,
  getTokenVault,
  getWorkload,
  listWorkloads,
  setTokenVaultCmk,
  updateWorkload,
} from './workloads.js';

export { callerDirectory, registryOf } from './operation.js';

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

export const identityControlRoute: StandinRoute = {
  name: 'agentcore-identity:control',
  model: 'bedrock-agentcore-control',
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
      secrets: secretsAsCaller(context, request),
    });
  },
};
