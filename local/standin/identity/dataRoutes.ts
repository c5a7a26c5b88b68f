/**
 * AgentCore Identity data plane, as `@aws-sdk/client-bedrock-agentcore` sends it:
 * `GetWorkloadAccessToken[ForJWT|ForUserId]`, `GetResourceApiKey` (`/identities/api-key`) and
 * `GetResourceOauth2Token` (`/identities/oauth2/token`, M2M: a real client_credentials request
 * at the provider's token endpoint).
 */
import {
  BedrockAgentCoreControlClient,
  GetGatewayCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-bedrock-agentcore-control';
import type { FrontRequest, StandinContext, StandinRoute } from '../context.js';
import { notFound, restJson, StandinError, validation, type StandinResponse } from '../http.js';
import { callerDirectory, namedProvider, type Params } from './operation.js';
import { requireName, type IdentityDirectory, type OAuth2Provider } from './registry.js';
import { readProviderValue } from './secrets.js';
import { WorkloadTokens } from './workloadTokens.js';

const tokensOf = (context: StandinContext): WorkloadTokens =>
  context.state('agentcore-workload-tokens', () => new WorkloadTokens());

/** A workload exists when it was created, or when it is a gateway's own identity (its id). */
async function requireWorkload(
  request: FrontRequest,
  context: StandinContext,
  name: string,
): Promise<void> {
  const { directory } = await callerDirectory(request, context);
  if (directory.workloads.has(name)) return;
  try {
    await context
      .motoClient(BedrockAgentCoreControlClient, request)
      .send(new GetGatewayCommand({ gatewayIdentifier: name }));
  } catch (error) {
    if (
      error instanceof ResourceNotFoundException ||
      (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404
    ) {
      throw notFound(`workload identity ${name} not found`);
    }
    throw error;
  }
}

/** Verifies the call's workload access token for its account and region; returns its params. */
async function verifyWorkloadToken(
  request: FrontRequest,
  context: StandinContext,
): Promise<Params> {
  const params = request.aws.params;
  const accountId = await context.accountOf(request);
  tokensOf(context).verify(params.workloadIdentityToken, accountId, request.aws.region);
  return params;
}

/** The credential provider a data-plane call names in `resourceCredentialProviderName`. */
async function requestedProvider<P>(
  request: FrontRequest,
  context: StandinContext,
  providersOf: (directory: IdentityDirectory) => Map<string, P>,
  kind: string,
): Promise<P> {
  const field = 'resourceCredentialProviderName';
  const name = requireName(request.aws.params[field], field);
  const { directory } = await callerDirectory(request, context);
  return namedProvider(providersOf(directory), name, kind);
}

async function workloadAccessToken(
  request: FrontRequest,
  context: StandinContext,
  userField?: 'userToken' | 'userId',
): Promise<StandinResponse> {
  const params = request.aws.params;
  const workloadName = requireName(params.workloadName, 'workloadName');
  let userId: string | undefined;
  if (userField) {
    const value = params[userField];
    if (typeof value !== 'string' || value === '') throw validation(`${userField} is required`);
    // The user's JWT is not verified locally; only a stable, non-secret id is bound.
    userId = userField === 'userId' ? value : `jwt-user-${value.length}`;
  }
  await requireWorkload(request, context, workloadName);
  const accountId = await context.accountOf(request);
  const token = tokensOf(context).issue({
    workloadName,
    accountId,
    region: request.aws.region,
    ...(userId ? { userId } : {}),
  });
  return restJson(200, { workloadAccessToken: token });
}

async function getResourceApiKey(
  request: FrontRequest,
  context: StandinContext,
): Promise<StandinResponse> {
  await verifyWorkloadToken(request, context);
  const provider = await requestedProvider(request, context, (d) => d.apiKey, 'API key');
  const apiKey = await readProviderValue(context, request, provider);
  return restJson(200, { apiKey });
}

const discoveryCache = new Map<string, { tokenEndpoint: string; at: number }>();

/** Token endpoint of a provider: from its metadata, or from its discovery document (cached a minute). */
export async function tokenEndpointOf(
  provider: Pick<OAuth2Provider, 'configOutput' | 'name'>,
): Promise<string> {
  const discovery = (provider.configOutput.oauthDiscovery ?? {}) as {
    discoveryUrl?: string;
    authorizationServerMetadata?: { tokenEndpoint?: string };
  };
  if (discovery.authorizationServerMetadata?.tokenEndpoint)
    return discovery.authorizationServerMetadata.tokenEndpoint;
  const url = discovery.discoveryUrl;
  if (!url) throw validation(`provider ${provider.name} has no discovery`);
  const cached = discoveryCache.get(url);
  if (cached && Date.now() - cached.at < 60_000) return cached.tokenEndpoint;
  let document: { token_endpoint?: unknown };
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    document = (await response.json()) as { token_endpoint?: unknown };
  } catch (error) {
    throw validation(
      `could not read the discovery document ${url}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  if (typeof document.token_endpoint !== 'string')
    throw validation(`discovery document ${url} has no token_endpoint`);
  discoveryCache.set(url, { tokenEndpoint: document.token_endpoint, at: Date.now() });
  return document.token_endpoint;
}

async function getResourceOauth2Token(
  request: FrontRequest,
  context: StandinContext,
): Promise<StandinResponse> {
  const params = await verifyWorkloadToken(request, context);
  if (params.oauth2Flow !== 'M2M') {
    throw validation(
      `oauth2Flow ${String(params.oauth2Flow)} is not served by the local stand-in (only M2M)`,
    );
  }
  const scopes = params.scopes;
  if (!Array.isArray(scopes) || !scopes.every((scope) => typeof scope === 'string'))
    throw validation('scopes must be a list of strings');
  const provider = await requestedProvider(request, context, (d) => d.oauth2, 'OAuth2');
  const name = provider.name;
  if (!provider.clientId || !provider.secret)
    throw validation(`provider ${name} has no client id and secret for client_credentials`);
  const clientSecret = await readProviderValue(context, request, {
    arn: provider.arn,
    secret: provider.secret,
  });

  const form = new URLSearchParams({ grant_type: 'client_credentials' });
  if (scopes.length > 0) form.set('scope', scopes.join(' '));
  for (const resource of stringList(params.resources)) form.append('resource', resource);
  for (const audience of stringList(params.audiences)) form.append('audience', audience);
  for (const [key, value] of Object.entries(
    (params.customParameters ?? {}) as Record<string, unknown>,
  )) {
    if (typeof value === 'string') form.set(key, value);
  }
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded',
    accept: 'application/json',
  };
  if (provider.configOutput.clientAuthenticationMethod === 'CLIENT_SECRET_POST') {
    form.set('client_id', provider.clientId);
    form.set('client_secret', clientSecret);
  } else {
    const basic = `${encodeURIComponent(provider.clientId)}:${encodeURIComponent(clientSecret)}`;
    headers.authorization = `Basic ${Buffer.from(basic).toString('base64')}`;
  }
  const tokenEndpoint = await tokenEndpointOf(provider);
  let response: Response;
  try {
    response = await fetch(tokenEndpoint, {
      method: 'POST',
      headers,
      body: form,
      signal: AbortSignal.timeout(10_000),
    });
  } catch (error) {
    throw validation(
      `token endpoint ${tokenEndpoint} unreachable: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const body = (await response.json().catch(() => ({}))) as {
    access_token?: unknown;
    error?: unknown;
  };
  if (!response.ok || typeof body.access_token !== 'string') {
    // Only the OAuth error code travels on; never the request or the secret.
    const code = typeof body.error === 'string' ? body.error : `HTTP ${response.status}`;
    throw new StandinError(
      401,
      'UnauthorizedException',
      `token endpoint of provider ${name} refused the client credentials (${code})`,
    );
  }
  return restJson(200, { accessToken: body.access_token });
}

function stringList(value: unknown): string[] {
  return Array.isArray(value)
    ? value.filter((item): item is string => typeof item === 'string')
    : [];
}

const DATA_OPERATIONS: Record<
  string,
  (request: FrontRequest, context: StandinContext) => Promise<StandinResponse>
> = {
  '/identities/GetWorkloadAccessToken': (request, context) => workloadAccessToken(request, context),
  '/identities/GetWorkloadAccessTokenForJWT': (request, context) =>
    workloadAccessToken(request, context, 'userToken'),
  '/identities/GetWorkloadAccessTokenForUserId': (request, context) =>
    workloadAccessToken(request, context, 'userId'),
  '/identities/api-key': getResourceApiKey,
  '/identities/oauth2/token': getResourceOauth2Token,
};

export const identityDataRoute: StandinRoute = {
  name: 'agentcore-identity:data',
  model: 'bedrock-agentcore',
  matches: (request) => request.method === 'POST' && request.path in DATA_OPERATIONS,
  async handle(request, context) {
    const operation = DATA_OPERATIONS[request.path];
    if (!operation) throw notFound(`no operation at ${request.path}`);
    return operation(request, context);
  },
};
