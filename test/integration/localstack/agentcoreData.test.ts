/**
 * AgentCore Identity data plane through the local endpoint: a workload token, then the
 * provider's current API key, and a real client_credentials JWT from the local OpenID Connect
 * provider, verified with `jose` against its JWKS.
 */
import {
  AccessDeniedException,
  BedrockAgentCoreClient,
  GetResourceApiKeyCommand,
  GetResourceOauth2TokenCommand,
  GetWorkloadAccessTokenCommand,
  ResourceNotFoundException,
  UnauthorizedException,
} from '@aws-sdk/client-bedrock-agentcore';
import {
  BedrockAgentCoreControlClient,
  CreateApiKeyCredentialProviderCommand,
  CreateGatewayCommand,
  CreateWorkloadIdentityCommand,
} from '@aws-sdk/client-bedrock-agentcore-control';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import {
  CreateSecretCommand,
  PutResourcePolicyCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { consumeDenials } from '../../support/iamDenials.js';
import { createLocalOAuth2Provider } from '../../support/agentcore.js';
import {
  DEFAULT_AUDIENCE,
  DEMO_CLIENTS,
  localStack,
  testClientConfig,
  uniqueName,
} from '../../support/localStack.js';

const control = new BedrockAgentCoreControlClient(testClientConfig());
const data = new BedrockAgentCoreClient(testClientConfig());
const secrets = new SecretsManagerClient(testClientConfig());

async function workloadToken(): Promise<string> {
  const workloadName = uniqueName('gw-test-workload');
  await control.send(new CreateWorkloadIdentityCommand({ name: workloadName }));
  const { workloadAccessToken } = await data.send(
    new GetWorkloadAccessTokenCommand({ workloadName }),
  );
  return workloadAccessToken ?? '';
}

describe('local stack: AgentCore Identity data plane', () => {
  it('GetResourceApiKey returns the current value of a MANAGED provider', async () => {
    const token = await workloadToken();
    const name = uniqueName('gw-test-key');
    await control.send(
      new CreateApiKeyCredentialProviderCommand({ name, apiKey: 'managed-value' }),
    );
    const { apiKey } = await data.send(
      new GetResourceApiKeyCommand({
        workloadIdentityToken: token,
        resourceCredentialProviderName: name,
      }),
    );
    expect(apiKey).toBe('managed-value');
  });

  it('GetResourceApiKey follows AWSCURRENT of an EXTERNAL secret', async () => {
    const token = await workloadToken();
    const secret = await secrets.send(
      new CreateSecretCommand({
        Name: uniqueName('gatewarden/test/key'),
        SecretString: JSON.stringify({ apiKey: 'v1', other: 'x' }),
      }),
    );
    const name = uniqueName('gw-test-key-ext');
    const provider = await control.send(
      new CreateApiKeyCredentialProviderCommand({
        name,
        apiKeySecretSource: 'EXTERNAL',
        apiKeySecretConfig: { secretId: secret.ARN, jsonKey: 'apiKey' },
      }),
    );
    // AgentCore Identity reads an EXTERNAL secret as its service principal: the secret's own
    // policy must let it, for this provider (as `gatewarden register` writes it).
    await secrets.send(
      new PutResourcePolicyCommand({
        SecretId: secret.ARN,
        ResourcePolicy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { Service: 'bedrock-agentcore.amazonaws.com' },
              Action: 'secretsmanager:GetSecretValue',
              Resource: '*',
              Condition: {
                StringEquals: {
                  'aws:SourceArn': provider.credentialProviderArn,
                  'aws:SourceAccount': '123456789012',
                },
              },
            },
          ],
        }),
      }),
    );
    const read = async (): Promise<string | undefined> =>
      (
        await data.send(
          new GetResourceApiKeyCommand({
            workloadIdentityToken: token,
            resourceCredentialProviderName: name,
          }),
        )
      ).apiKey;
    expect(await read()).toBe('v1');
    // A rotation promotes a new version: the provider serves it without being touched.
    await secrets.send(
      new PutSecretValueCommand({
        SecretId: secret.ARN,
        SecretString: JSON.stringify({ apiKey: 'v2' }),
      }),
    );
    expect(await read()).toBe('v2');
  });

  it('a gateway id is a workload identity too', async () => {
    const trust = { Version: '2012-10-17', Statement: [] };
    const role = await new IAMClient(testClientConfig()).send(
      new CreateRoleCommand({
        RoleName: uniqueName('gw-test-role'),
        AssumeRolePolicyDocument: JSON.stringify(trust),
      }),
    );
    const gateway = await control.send(
      new CreateGatewayCommand({
        name: uniqueName('gw-test-gw'),
        roleArn: role.Role?.Arn,
        protocolType: 'MCP',
        authorizerType: 'NONE',
      }),
    );
    const result = await data.send(
      new GetWorkloadAccessTokenCommand({ workloadName: gateway.gatewayId }),
    );
    expect(result.workloadAccessToken).toMatch(/^gwlat\./);
    await expect(
      data.send(new GetWorkloadAccessTokenCommand({ workloadName: uniqueName('nobody') })),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  it('rejects a forged workload token', async () => {
    await expect(
      data.send(
        new GetResourceApiKeyCommand({
          workloadIdentityToken: 'gwlat.e30.forged',
          resourceCredentialProviderName: 'any',
        }),
      ),
    ).rejects.toBeInstanceOf(AccessDeniedException);
    // The stack's IAM refuses it first: no workload identity can be named from a forged token.
    const refused = await consumeDenials();
    expect(refused.map((d) => d.action)).toEqual(['bedrock-agentcore:GetResourceApiKey']);
  });

  it('GetResourceOauth2Token (M2M) returns a JWT from the local OIDC provider that verifies against its JWKS', async () => {
    const token = await workloadToken();
    const client = DEMO_CLIENTS[1];
    const issuer = localStack().oidcIssuer;
    const name = uniqueName('gw-test-oauth');
    await createLocalOAuth2Provider(control, name, {
      clientId: client.client_id,
      clientSecret: client.client_secret,
    });
    const { accessToken } = await data.send(
      new GetResourceOauth2TokenCommand({
        workloadIdentityToken: token,
        resourceCredentialProviderName: name,
        scopes: ['tools:call'],
        oauth2Flow: 'M2M',
      }),
    );
    const jwks = createRemoteJWKSet(new URL(`${issuer}/jwks`));
    const { payload } = await jwtVerify(accessToken ?? '', jwks, {
      issuer,
      audience: DEFAULT_AUDIENCE,
    });
    expect(payload).toMatchObject({ client_id: client.client_id, scope: 'tools:call' });
  });

  it('GetResourceOauth2Token fails cleanly when the IdP refuses the client', async () => {
    const token = await workloadToken();
    const name = uniqueName('gw-test-oauth-bad');
    const wrongSecret = `wrong-${uniqueName('secret')}`;
    await createLocalOAuth2Provider(control, name, {
      clientId: DEMO_CLIENTS[1].client_id,
      clientSecret: wrongSecret,
    });
    const attempt = data.send(
      new GetResourceOauth2TokenCommand({
        workloadIdentityToken: token,
        resourceCredentialProviderName: name,
        scopes: [],
        oauth2Flow: 'M2M',
      }),
    );
    await expect(attempt).rejects.toBeInstanceOf(UnauthorizedException);
    await expect(attempt).rejects.toThrow(/invalid_client/);
    await expect(attempt).rejects.not.toThrow(wrongSecret);
  });
});
