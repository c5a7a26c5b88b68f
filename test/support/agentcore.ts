/**
 * AgentCore fixtures for integration tests on the local stack: a CustomOauth2 provider on the
 * local OpenID Connect provider, and a gateway target that takes its key from an API-key
 * provider.
 */
import {
  CreateGatewayTargetCommand,
  CreateOauth2CredentialProviderCommand,
  type BedrockAgentCoreControlClient,
  type CreateGatewayTargetCommandOutput,
  type CreateOauth2CredentialProviderCommandOutput,
} from '@aws-sdk/client-bedrock-agentcore-control';
import { localStack } from './localStack.js';

/** Discovery document URL of the local OpenID Connect provider. */
export function localDiscoveryUrl(): string {
  return `${localStack().oidcIssuer}/.well-known/openid-configuration`;
}

/** Creates a CustomOauth2 provider that discovers the local OIDC provider and uses `client`. */
export async function createLocalOAuth2Provider(
  control: BedrockAgentCoreControlClient,
  name: string,
  client: { clientId: string; clientSecret: string },
): Promise<CreateOauth2CredentialProviderCommandOutput> {
  return control.send(
    new CreateOauth2CredentialProviderCommand({
      name,
      credentialProviderVendor: 'CustomOauth2',
      oauth2ProviderConfigInput: {
        customOauth2ProviderConfig: {
          oauthDiscovery: { discoveryUrl: localDiscoveryUrl() },
          clientId: client.clientId,
          clientSecret: client.clientSecret,
        },
      },
    }),
  );
}

/**
 * Creates the target `weather` (an empty OpenAPI schema) on a gateway, sending the key of the
 * API-key provider `providerArn` in an `x-api-key` header.
 */
export async function createApiKeyTarget(
  control: BedrockAgentCoreControlClient,
  gatewayId: string | undefined,
  providerArn: string | undefined,
): Promise<CreateGatewayTargetCommandOutput> {
  return control.send(
    new CreateGatewayTargetCommand({
      gatewayIdentifier: gatewayId,
      name: 'weather',
      targetConfiguration: {
        mcp: {
          openApiSchema: {
            inlinePayload: JSON.stringify({
              openapi: '3.0.0',
              info: { title: 'w', version: '1' },
              paths: {},
            }),
          },
        },
      },
      credentialProviderConfigurations: [
        {
          credentialProviderType: 'API_KEY',
          credentialProvider: {
            apiKeyCredentialProvider: {
              providerArn,
              credentialParameterName: 'x-api-key',
              credentialLocation: 'HEADER',
            },
          },
        },
      ],
    }),
  );
}
