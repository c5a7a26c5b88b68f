/**
 * AgentCore control plane through the local endpoint: gateways and targets on moto (with a
 * CUSTOM_JWT authorizer on the local OpenID Connect provider), credential providers and
 * workload identities on the stand-in, their MANAGED values visible in Secrets Manager.
 */
import {
  BedrockAgentCoreControlClient,
  ConflictException,
  CreateApiKeyCredentialProviderCommand,
  CreateGatewayCommand,
  CreateOauth2CredentialProviderCommand,
  CreateWorkloadIdentityCommand,
  DeleteApiKeyCredentialProviderCommand,
  DeleteGatewayCommand,
  GetApiKeyCredentialProviderCommand,
  GetGatewayCommand,
  GetGatewayTargetCommand,
  GetOauth2CredentialProviderCommand,
  GetTokenVaultCommand,
  ListApiKeyCredentialProvidersCommand,
  ListGatewaysCommand,
  ListWorkloadIdentitiesCommand,
  ResourceNotFoundException,
  SetTokenVaultCMKCommand,
  UpdateApiKeyCredentialProviderCommand,
  UpdateGatewayCommand,
  UpdateOauth2CredentialProviderCommand,
  ValidationException,
} from '@aws-sdk/client-bedrock-agentcore-control';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  ResourceNotFoundException as SecretNotFound,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import {
  createApiKeyTarget,
  createLocalOAuth2Provider,
  localDiscoveryUrl,
} from '../../support/agentcore.js';
import {
  DEFAULT_AUDIENCE,
  DEMO_CLIENTS,
  localStack,
  testClientConfig,
  uniqueName,
} from '../../support/localStack.js';

const control = new BedrockAgentCoreControlClient(testClientConfig());
const secrets = new SecretsManagerClient(testClientConfig());

async function executionRole(): Promise<string> {
  const trust = {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Service: 'bedrock-agentcore.amazonaws.com' },
        Action: 'sts:AssumeRole',
      },
    ],
  };
  const role = await new IAMClient(testClientConfig()).send(
    new CreateRoleCommand({
      RoleName: uniqueName('gw-test-exec'),
      AssumeRolePolicyDocument: JSON.stringify(trust),
    }),
  );
  return role.Role?.Arn ?? '';
}

async function currentSecretJson(secretArn: string | undefined): Promise<Record<string, string>> {
  const value = await secrets.send(
    new GetSecretValueCommand({ SecretId: secretArn, VersionStage: 'AWSCURRENT' }),
  );
  return JSON.parse(value.SecretString ?? '{}') as Record<string, string>;
}

describe('local stack: AgentCore control plane', () => {
  it('gateway CRUD on moto with a CUSTOM_JWT authorizer on the local OIDC issuer', async () => {
    const roleArn = await executionRole();
    const name = uniqueName('gw-test-gateway');
    const authorizer = {
      customJWTAuthorizer: {
        discoveryUrl: localDiscoveryUrl(),
        allowedClients: [DEMO_CLIENTS[0].client_id],
        allowedAudience: [DEFAULT_AUDIENCE],
      },
    };
    const created = await control.send(
      new CreateGatewayCommand({
        name,
        roleArn,
        protocolType: 'MCP',
        authorizerType: 'CUSTOM_JWT',
        authorizerConfiguration: authorizer,
      }),
    );
    const gatewayIdentifier = created.gatewayId ?? '';
    expect(created.gatewayArn).toBe(
      `arn:aws:bedrock-agentcore:us-east-1:123456789012:gateway/${gatewayIdentifier}`,
    );

    const fetched = await control.send(new GetGatewayCommand({ gatewayIdentifier }));
    expect(fetched).toMatchObject({
      name,
      roleArn,
      authorizerType: 'CUSTOM_JWT',
      authorizerConfiguration: authorizer,
    });
    // The discovery URL the gateway would call is real.
    const discovery = (await (await fetch(localDiscoveryUrl())).json()) as {
      issuer: string;
      jwks_uri: string;
    };
    expect(discovery.issuer).toBe(localStack().oidcIssuer);

    await control.send(
      new UpdateGatewayCommand({
        gatewayIdentifier,
        name,
        roleArn,
        protocolType: 'MCP',
        authorizerType: 'NONE',
      }),
    );
    expect((await control.send(new GetGatewayCommand({ gatewayIdentifier }))).authorizerType).toBe(
      'NONE',
    );

    const listed = await control.send(new ListGatewaysCommand({ maxResults: 100 }));
    expect(listed.items?.map((item) => item.gatewayId)).toContain(gatewayIdentifier);

    await control.send(new DeleteGatewayCommand({ gatewayIdentifier }));
    await expect(control.send(new GetGatewayCommand({ gatewayIdentifier }))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
  });

  it('API-key provider: MANAGED value in the service-named secret, updates replace it, delete removes it', async () => {
    const name = uniqueName('gw-test-apikey');
    const created = await control.send(
      new CreateApiKeyCredentialProviderCommand({ name, apiKey: 'first-value' }),
    );
    expect(created.credentialProviderArn).toBe(
      `arn:aws:bedrock-agentcore:us-east-1:123456789012:token-vault/default/apikeycredentialprovider/${name}`,
    );
    expect(created.apiKeySecretSource).toBe('MANAGED');
    const secretArn = created.apiKeySecretArn?.secretArn;
    const described = await secrets.send(new DescribeSecretCommand({ SecretId: secretArn }));
    expect(described.Name).toBe(`bedrock-agentcore-identity!default/apikey/${name}`);
    const jsonKey = created.apiKeySecretJsonKey ?? '';
    expect((await currentSecretJson(secretArn))[jsonKey]).toBe('first-value');

    await control.send(new UpdateApiKeyCredentialProviderCommand({ name, apiKey: 'second-value' }));
    expect((await currentSecretJson(secretArn))[jsonKey]).toBe('second-value');
    const fetched = await control.send(new GetApiKeyCredentialProviderCommand({ name }));
    expect(fetched.lastUpdatedTime?.getTime()).toBeGreaterThanOrEqual(
      fetched.createdTime?.getTime() ?? Infinity,
    );

    await expect(
      control.send(new CreateApiKeyCredentialProviderCommand({ name, apiKey: 'again' })),
    ).rejects.toBeInstanceOf(ConflictException);
    // Page through: a reused stack may hold many providers from earlier runs.
    const names: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await control.send(
        new ListApiKeyCredentialProvidersCommand({
          maxResults: 100,
          ...(nextToken ? { nextToken } : {}),
        }),
      );
      names.push(...(page.credentialProviders ?? []).map((provider) => provider.name ?? ''));
      nextToken = page.nextToken;
    } while (nextToken);
    expect(names).toContain(name);

    await control.send(new DeleteApiKeyCredentialProviderCommand({ name }));
    await expect(
      control.send(new GetApiKeyCredentialProviderCommand({ name })),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(
      secrets.send(new DescribeSecretCommand({ SecretId: secretArn })),
    ).rejects.toBeInstanceOf(SecretNotFound);
  });

  it('API-key provider with an EXTERNAL secret references it instead of copying it', async () => {
    const external = await secrets.send(
      new CreateSecretCommand({
        Name: uniqueName('gatewarden/test/apikey'),
        SecretString: JSON.stringify({ apiKey: 'ext' }),
      }),
    );
    const name = uniqueName('gw-test-apikey-ext');
    const created = await control.send(
      new CreateApiKeyCredentialProviderCommand({
        name,
        apiKeySecretSource: 'EXTERNAL',
        apiKeySecretConfig: { secretId: external.Name, jsonKey: 'apiKey' },
      }),
    );
    expect(created).toMatchObject({
      apiKeySecretSource: 'EXTERNAL',
      apiKeySecretArn: { secretArn: external.ARN },
    });
    await expect(
      control.send(
        new CreateApiKeyCredentialProviderCommand({
          name: uniqueName('gw-test-apikey-missing'),
          apiKeySecretSource: 'EXTERNAL',
          apiKeySecretConfig: { secretId: uniqueName('no-such-secret'), jsonKey: 'apiKey' },
        }),
      ),
    ).rejects.toBeInstanceOf(ValidationException);
  });

  it('OAuth2 provider: custom vendor with discovery, MANAGED secret, full-replacement update to EXTERNAL', async () => {
    const name = uniqueName('gw-test-oauth');
    const client = DEMO_CLIENTS[1];
    const created = await createLocalOAuth2Provider(control, name, {
      clientId: client.client_id,
      clientSecret: client.client_secret,
    });
    expect(created.credentialProviderArn).toMatch(
      /:token-vault\/default\/oauth2credentialprovider\//,
    );
    const managedArn = created.clientSecretArn?.secretArn;
    expect((await secrets.send(new DescribeSecretCommand({ SecretId: managedArn }))).Name).toBe(
      `bedrock-agentcore-identity!default/oauth2/${name}`,
    );
    const fetched = await control.send(new GetOauth2CredentialProviderCommand({ name }));
    expect(fetched.credentialProviderVendor).toBe('CustomOauth2');
    expect(fetched.oauth2ProviderConfigOutput?.customOauth2ProviderConfig).toEqual({
      oauthDiscovery: { discoveryUrl: localDiscoveryUrl() },
      clientId: client.client_id,
    });
    expect(JSON.stringify(fetched)).not.toContain(client.client_secret);

    const external = await secrets.send(
      new CreateSecretCommand({
        Name: uniqueName('gatewarden/test/oauth'),
        SecretString: JSON.stringify({ clientSecret: client.client_secret }),
      }),
    );
    const updated = await control.send(
      new UpdateOauth2CredentialProviderCommand({
        name,
        credentialProviderVendor: 'CustomOauth2',
        oauth2ProviderConfigInput: {
          customOauth2ProviderConfig: {
            oauthDiscovery: { discoveryUrl: localDiscoveryUrl() },
            clientId: client.client_id,
            clientSecretSource: 'EXTERNAL',
            clientSecretConfig: { secretId: external.ARN, jsonKey: 'clientSecret' },
          },
        },
      }),
    );
    expect(updated).toMatchObject({
      clientSecretSource: 'EXTERNAL',
      clientSecretArn: { secretArn: external.ARN },
    });
    // The managed copy is gone once nothing uses it.
    await expect(
      secrets.send(new DescribeSecretCommand({ SecretId: managedArn })),
    ).rejects.toBeInstanceOf(SecretNotFound);
  });

  it('rejects a config member that does not match the vendor', async () => {
    await expect(
      control.send(
        new CreateOauth2CredentialProviderCommand({
          name: uniqueName('gw-test-oauth-bad'),
          credentialProviderVendor: 'GoogleOauth2',
          oauth2ProviderConfigInput: {
            customOauth2ProviderConfig: {
              oauthDiscovery: { discoveryUrl: localDiscoveryUrl() },
              clientId: 'x',
              clientSecret: 'y',
            },
          },
        }),
      ),
    ).rejects.toBeInstanceOf(ValidationException);
  });

  it('gateway target on moto refers to a stand-in API-key provider', async () => {
    const roleArn = await executionRole();
    const gateway = await control.send(
      new CreateGatewayCommand({
        name: uniqueName('gw-test-gateway'),
        roleArn,
        protocolType: 'MCP',
        authorizerType: 'NONE',
      }),
    );
    const provider = await control.send(
      new CreateApiKeyCredentialProviderCommand({
        name: uniqueName('gw-test-target-key'),
        apiKey: 'target-key',
      }),
    );
    const target = await createApiKeyTarget(
      control,
      gateway.gatewayId,
      provider.credentialProviderArn,
    );
    const fetched = await control.send(
      new GetGatewayTargetCommand({
        gatewayIdentifier: gateway.gatewayId,
        targetId: target.targetId,
      }),
    );
    expect(
      fetched.credentialProviderConfigurations?.[0]?.credentialProvider?.apiKeyCredentialProvider
        ?.providerArn,
    ).toBe(provider.credentialProviderArn);
  });

  it('workload identities and the token vault', async () => {
    const name = uniqueName('gw-test-workload');
    const created = await control.send(new CreateWorkloadIdentityCommand({ name }));
    expect(created.workloadIdentityArn).toBe(
      `arn:aws:bedrock-agentcore:us-east-1:123456789012:workload-identity-directory/default/workload-identity/${name}`,
    );
    // Pages of at most 20 (the model's maximum for this list), as a reused stack holds more.
    const names: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await control.send(
        new ListWorkloadIdentitiesCommand({ maxResults: 20, ...(nextToken ? { nextToken } : {}) }),
      );
      names.push(...(page.workloadIdentities ?? []).map((workload) => workload.name ?? ''));
      nextToken = page.nextToken;
    } while (nextToken);
    expect(names).toContain(name);

    const vault = await control.send(new GetTokenVaultCommand({}));
    expect(vault.tokenVaultId).toBe('default');
    await expect(
      control.send(
        new SetTokenVaultCMKCommand({ kmsConfiguration: { keyType: 'CustomerManagedKey' } }),
      ),
    ).rejects.toBeInstanceOf(ValidationException);
  });
});
