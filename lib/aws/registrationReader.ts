import {
  BedrockAgentCoreControlClient,
  GetApiKeyCredentialProviderCommand,
  GetGatewayCommand,
  GetGatewayTargetCommand,
  GetOauth2CredentialProviderCommand,
  paginateListGateways,
  paginateListGatewayTargets,
} from '@aws-sdk/client-bedrock-agentcore-control';
import type {
  AgentCoreReader,
  GatewayInfo,
  ProviderInfo,
  ProviderType,
  TargetUse,
} from '../rotation/registerPorts.js';
import { clientConfig } from './clients.js';

interface OauthConfigOutput {
  clientId?: string;
  oauthDiscovery?: {
    discoveryUrl?: string;
    authorizationServerMetadata?: { tokenEndpoint?: string; issuer?: string };
  };
}

/** Reads providers, gateways and targets through the AgentCore control API for `register`. */
export class AgentCoreRegistrationReader implements AgentCoreReader {
  constructor(
    private readonly client: BedrockAgentCoreControlClient = new BedrockAgentCoreControlClient(
      clientConfig(),
    ),
  ) {}

  async provider(type: ProviderType, name: string): Promise<ProviderInfo> {
    if (type === 'apiKey') {
      const out = await this.client.send(new GetApiKeyCredentialProviderCommand({ name }));
      return {
        type,
        name,
        arn: out.credentialProviderArn ?? name,
        ...(out.apiKeySecretArn?.secretArn ? { secretArn: out.apiKeySecretArn.secretArn } : {}),
        ...(out.apiKeySecretJsonKey ? { jsonKey: out.apiKeySecretJsonKey } : {}),
        secretSource: out.apiKeySecretSource === 'EXTERNAL' ? 'EXTERNAL' : 'MANAGED',
      };
    }
    const out = await this.client.send(new GetOauth2CredentialProviderCommand({ name }));
    // The config output is a union keyed by vendor; every member has clientId and discovery.
    const config = Object.values(out.oauth2ProviderConfigOutput ?? {}).find(
      (member): member is OauthConfigOutput => typeof member === 'object' && member !== null,
    );
    const discovery = config?.oauthDiscovery;
    return {
      type,
      name,
      arn: out.credentialProviderArn ?? name,
      ...(out.clientSecretArn?.secretArn ? { secretArn: out.clientSecretArn.secretArn } : {}),
      ...(out.clientSecretJsonKey ? { jsonKey: out.clientSecretJsonKey } : {}),
      secretSource: out.clientSecretSource === 'EXTERNAL' ? 'EXTERNAL' : 'MANAGED',
      ...(out.credentialProviderVendor ? { vendor: out.credentialProviderVendor } : {}),
      ...(config?.clientId ? { clientId: config.clientId } : {}),
      ...(discovery?.discoveryUrl ? { discoveryUrl: discovery.discoveryUrl } : {}),
      ...(discovery?.authorizationServerMetadata?.tokenEndpoint
        ? { tokenEndpoint: discovery.authorizationServerMetadata.tokenEndpoint }
        : {}),
    };
  }

  async gateway(gatewayId: string): Promise<GatewayInfo> {
    const out = await this.client.send(new GetGatewayCommand({ gatewayIdentifier: gatewayId }));
    const jwt = out.authorizerConfiguration?.customJWTAuthorizer;
    return {
      gatewayId: out.gatewayId ?? gatewayId,
      arn: out.gatewayArn ?? gatewayId,
      ...(out.roleArn ? { roleArn: out.roleArn } : {}),
      ...(out.authorizerType ? { authorizerType: out.authorizerType } : {}),
      ...(jwt?.discoveryUrl
        ? {
            jwt: {
              discoveryUrl: jwt.discoveryUrl,
              ...(jwt.allowedClients ? { allowedClients: jwt.allowedClients } : {}),
              ...(jwt.allowedAudience ? { allowedAudience: jwt.allowedAudience } : {}),
              ...(jwt.allowedScopes ? { allowedScopes: jwt.allowedScopes } : {}),
            },
          }
        : {}),
    };
  }

  async targetsUsing(providerArn: string, gatewayId?: string): Promise<TargetUse[]> {
    const gatewayIds = gatewayId ? [gatewayId] : await this.gatewayIds();
    const uses: TargetUse[] = [];
    for (const id of gatewayIds) {
      for await (const page of paginateListGatewayTargets(
        { client: this.client },
        { gatewayIdentifier: id },
      )) {
        for (const item of page.items ?? []) {
          if (!item.targetId) continue;
          // List items carry no credential configuration: read each target.
          const target = await this.client.send(
            new GetGatewayTargetCommand({ gatewayIdentifier: id, targetId: item.targetId }),
          );
          for (const config of target.credentialProviderConfigurations ?? []) {
            const apiKey = config.credentialProvider?.apiKeyCredentialProvider;
            const oauth = config.credentialProvider?.oauthCredentialProvider;
            if (apiKey?.providerArn === providerArn) {
              uses.push({
                gatewayId: id,
                targetId: item.targetId,
                providerArn,
                ...(apiKey.credentialParameterName
                  ? { parameterName: apiKey.credentialParameterName }
                  : {}),
                ...(apiKey.credentialPrefix ? { prefix: apiKey.credentialPrefix } : {}),
                ...(apiKey.credentialLocation ? { location: apiKey.credentialLocation } : {}),
              });
            } else if (oauth?.providerArn === providerArn) {
              uses.push({
                gatewayId: id,
                targetId: item.targetId,
                providerArn,
                ...(oauth.scopes ? { scopes: oauth.scopes } : {}),
              });
            }
          }
        }
      }
    }
    return uses;
  }

  private async gatewayIds(): Promise<string[]> {
    const ids: string[] = [];
    for await (const page of paginateListGateways({ client: this.client }, {})) {
      for (const item of page.items ?? []) if (item.gatewayId) ids.push(item.gatewayId);
    }
    return ids;
  }
}
