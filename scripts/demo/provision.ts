/**
 * Provisions the demo's sample AgentCore Gateway on whatever AWS endpoint the environment
 * points at (the embedded local stack in `npm run demo`), with the real AWS SDK:
 * - an execution role with the seed page's trust policy (bedrock-agentcore.amazonaws.com,
 *   aws:SourceAccount + aws:SourceArn) and the execution policy for API-key and OAuth targets;
 * - a gateway with a CUSTOM_JWT authorizer on the local OpenID Connect provider;
 * - an API-key credential provider and an OAuth2 credential provider, each used by a target.
 */
import {
  BedrockAgentCoreControlClient,
  CreateApiKeyCredentialProviderCommand,
  CreateGatewayCommand,
  CreateGatewayTargetCommand,
  CreateOauth2CredentialProviderCommand,
  CreateWorkloadIdentityCommand,
} from '@aws-sdk/client-bedrock-agentcore-control';
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { randomBytes } from 'node:crypto';
import { clientConfig } from '../../lib/aws/clients.js';
import { registerOidcClient, type RegisteredClient } from '../../local/oidcRegistration.js';

export interface DemoGateway {
  accountId: string;
  region: string;
  roleArn: string;
  roleName: string;
  gatewayId: string;
  gatewayArn: string;
  discoveryUrl: string;
  issuer: string;
  audience: string;
  inboundClient: RegisteredClient;
  outboundClient: RegisteredClient;
  apiKeyProvider: { name: string; arn: string; targetId: string };
  oauthProvider: { name: string; arn: string; targetId: string };
  workloadIdentity: string;
}

const openApiSpec = (title: string, url: string) =>
  JSON.stringify({
    openapi: '3.0.0',
    info: { title, version: '1.0.0' },
    servers: [{ url }],
    paths: {
      '/weather': {
        get: {
          operationId: 'getWeather',
          responses: { '200': { description: 'ok' } },
        },
      },
    },
  });

/** Creates the sample gateway and everything it depends on. Names get a random suffix. */
export async function provisionDemoGateway(options: {
  issuer: string;
  /** Bearer token the issuer requires for dynamic client registration, if any. */
  initialAccessToken?: string;
  audience?: string;
  suffix?: string;
  probeUrl?: string;
}): Promise<DemoGateway> {
  const config = clientConfig();
  const region = config.region ?? 'us-east-1';
  const suffix = options.suffix ?? randomBytes(3).toString('hex');
  const audience = options.audience ?? 'gatewarden-gateway';
  const iam = new IAMClient(config);
  const control = new BedrockAgentCoreControlClient(config);
  const { Account: accountId = '123456789012' } = await new STSClient(config).send(
    new GetCallerIdentityCommand({}),
  );

  const roleName = `demo-gateway-execution-${suffix}`;
  const gatewayName = `demo-gateway-${suffix}`;
  const role = await iam.send(
    new CreateRoleCommand({
      RoleName: roleName,
      Description: 'Execution role of the gatewarden demo gateway',
      AssumeRolePolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { Service: 'bedrock-agentcore.amazonaws.com' },
            Action: 'sts:AssumeRole',
            Condition: {
              StringEquals: { 'aws:SourceAccount': accountId },
              ArnLike: {
                'aws:SourceArn': `arn:aws:bedrock-agentcore:${region}:${accountId}:gateway/${gatewayName}-*`,
              },
            },
          },
        ],
      }),
    }),
  );
  const roleArn = role.Role?.Arn ?? `arn:aws:iam::${accountId}:role/${roleName}`;

  const inboundClient = await registerOidcClient(
    options.issuer,
    `demo-agent-${suffix}`,
    options.initialAccessToken,
  );
  const outboundClient = await registerOidcClient(
    options.issuer,
    `demo-outbound-${suffix}`,
    options.initialAccessToken,
  );
  const discoveryUrl = `${options.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;

  const gateway = await control.send(
    new CreateGatewayCommand({
      name: gatewayName,
      roleArn,
      protocolType: 'MCP',
      authorizerType: 'CUSTOM_JWT',
      authorizerConfiguration: {
        customJWTAuthorizer: {
          discoveryUrl,
          allowedClients: [inboundClient.clientId],
          allowedAudience: [audience],
        },
      },
    }),
  );
  const gatewayId = gateway.gatewayId ?? '';
  const gatewayArn = gateway.gatewayArn ?? '';

  const workloadIdentity = `${gatewayName}-workload`;
  await control.send(new CreateWorkloadIdentityCommand({ name: workloadIdentity }));

  const apiKeyName = `demo-weather-apikey-${suffix}`;
  const apiKey = await control.send(
    new CreateApiKeyCredentialProviderCommand({
      name: apiKeyName,
      apiKey: `demo-initial-${randomBytes(12).toString('hex')}`,
    }),
  );
  const oauthName = `demo-crm-oauth-${suffix}`;
  const oauth = await control.send(
    new CreateOauth2CredentialProviderCommand({
      name: oauthName,
      credentialProviderVendor: 'CustomOauth2',
      oauth2ProviderConfigInput: {
        customOauth2ProviderConfig: {
          oauthDiscovery: { discoveryUrl },
          clientId: outboundClient.clientId,
          clientSecret: outboundClient.clientSecret,
        },
      },
    }),
  );
  const apiKeyArn = apiKey.credentialProviderArn ?? '';
  const oauthArn = oauth.credentialProviderArn ?? '';
  const probeUrl = options.probeUrl ?? 'https://weather.example.com';

  const apiKeyTarget = await control.send(
    new CreateGatewayTargetCommand({
      gatewayIdentifier: gatewayId,
      name: 'weather',
      targetConfiguration: {
        mcp: { openApiSchema: { inlinePayload: openApiSpec('weather', probeUrl) } },
      },
      credentialProviderConfigurations: [
        {
          credentialProviderType: 'API_KEY',
          credentialProvider: {
            apiKeyCredentialProvider: {
              providerArn: apiKeyArn,
              credentialParameterName: 'x-api-key',
              credentialLocation: 'HEADER',
            },
          },
        },
      ],
    }),
  );
  const oauthTarget = await control.send(
    new CreateGatewayTargetCommand({
      gatewayIdentifier: gatewayId,
      name: 'crm',
      targetConfiguration: {
        mcp: { openApiSchema: { inlinePayload: openApiSpec('crm', 'https://crm.example.com') } },
      },
      credentialProviderConfigurations: [
        {
          credentialProviderType: 'OAUTH',
          credentialProvider: {
            oauthCredentialProvider: { providerArn: oauthArn, scopes: [] },
          },
        },
      ],
    }),
  );

  await iam.send(
    new PutRolePolicyCommand({
      RoleName: roleName,
      PolicyName: 'gateway-outbound',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'WorkloadAccessToken',
            Effect: 'Allow',
            Action: ['bedrock-agentcore:GetWorkloadAccessToken'],
            Resource: [
              `arn:aws:bedrock-agentcore:${region}:${accountId}:workload-identity-directory/default`,
              `arn:aws:bedrock-agentcore:${region}:${accountId}:workload-identity-directory/default/workload-identity/${workloadIdentity}`,
            ],
          },
          {
            Sid: 'ResourceCredentials',
            Effect: 'Allow',
            Action: [
              'bedrock-agentcore:GetResourceApiKey',
              'bedrock-agentcore:GetResourceOauth2Token',
            ],
            Resource: [
              `arn:aws:bedrock-agentcore:${region}:${accountId}:token-vault/default`,
              apiKeyArn,
              oauthArn,
              `arn:aws:bedrock-agentcore:${region}:${accountId}:workload-identity-directory/default/workload-identity/${workloadIdentity}`,
            ],
          },
          {
            Sid: 'ProviderSecrets',
            Effect: 'Allow',
            Action: ['secretsmanager:GetSecretValue'],
            Resource: [
              apiKey.apiKeySecretArn?.secretArn ?? '*',
              oauth.clientSecretArn?.secretArn ?? '*',
            ],
          },
          {
            Sid: 'Everything',
            Effect: 'Allow',
            Action: ['bedrock-agentcore:*'],
            Resource: '*',
          },
        ],
      }),
    }),
  );

  return {
    accountId,
    region,
    roleArn,
    roleName,
    gatewayId,
    gatewayArn,
    discoveryUrl,
    issuer: options.issuer,
    audience,
    inboundClient,
    outboundClient,
    apiKeyProvider: { name: apiKeyName, arn: apiKeyArn, targetId: apiKeyTarget.targetId ?? '' },
    oauthProvider: { name: oauthName, arn: oauthArn, targetId: oauthTarget.targetId ?? '' },
    workloadIdentity,
  };
}
