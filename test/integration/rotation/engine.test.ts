/**
 * The rotation engine on the local stack with the real SDK: Secrets Manager on moto, AgentCore
 * Identity providers and data plane on the stand-in, gateways on moto, the real OIDC provider
 * (RFC 7592) and the Cognito stand-in. The four steps run in-process through the driver, as
 * moto cannot invoke a rotation Lambda, signed as the deployed rotate function's role.
 */
import {
  CreateApiKeyCredentialProviderCommand,
  CreateGatewayCommand,
} from '@aws-sdk/client-bedrock-agentcore-control';
import {
  GetResourceOauth2TokenCommand,
  GetWorkloadAccessTokenCommand,
} from '@aws-sdk/client-bedrock-agentcore';
import {
  CognitoIdentityProviderClient,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  ListUserPoolClientSecretsCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { decodeJwt } from 'jose';
import { createLocalOAuth2Provider, localDiscoveryUrl } from '../../support/agentcore.js';
import { localClient, localStack, uniqueName } from '../../support/localStack.js';
import { driveRotation, sweepSecret } from './asRole.js';
import {
  control,
  createGatewardenSecret,
  createAdminSecret,
  dataPlane,
  docAt,
  rotatorDeps,
  registerOidcClient,
  servedApiKey,
  stagesOf,
  sweeperDeps,
  tagForRotation,
  tokenStatus,
  workload,
} from './support.js';

let workloadName = '';
beforeAll(async () => {
  workloadName = await workload();
});

async function createGateway(discoveryUrl: string, allowedClients: string[]): Promise<string> {
  const out = await control().send(
    new CreateGatewayCommand({
      name: uniqueName('gw-rot'),
      roleArn: 'arn:aws:iam::123456789012:role/gatewarden-test-gateway',
      protocolType: 'MCP',
      authorizerType: 'CUSTOM_JWT',
      authorizerConfiguration: { customJWTAuthorizer: { discoveryUrl, allowedClients } },
    }),
  );
  return out.gatewayId ?? '';
}

describe('rotation on the local stack', () => {
  it('rotates a MANAGED API-key provider: the data plane serves the new key, AWSPREVIOUS the old', async () => {
    // Prepare
    const providerName = uniqueName('gw-apikey');
    const initial = `initial-${uniqueName('k')}`;
    await control().send(
      new CreateApiKeyCredentialProviderCommand({ name: providerName, apiKey: initial }),
    );
    const secretArn = await createGatewardenSecret(
      {
        kind: 'apiKey',
        gatewayId: 'gw-local-1',
        provider: { type: 'apiKey', name: providerName, secretSource: 'MANAGED' },
        issuer: { type: 'generated', length: 40, excludePunctuation: true },
        // Registered --no-test: the deployed rotate function has no data-plane read-back and
        // there is no probe, so only an explicitly untested registration may land.
        test: { attempts: 3, untested: true },
        graceSeconds: 0,
        apiKey: initial,
      },
      providerName,
    );
    const deps = await rotatorDeps(workloadName);
    // Act
    const result = await driveRotation(deps, secretArn);
    // Assess
    const current = await docAt(secretArn, 'AWSCURRENT');
    // testSecret: no probe, and the rotate function has no data-plane read-back (no grant to
    // read the token vault); the test reads what the data plane serves below, as the admin.
    expect(result.steps.map((s) => s.outcome)).toEqual(['done', 'done', 'untested', 'done']);
    expect(current.apiKey).toHaveLength(40);
    expect(current.apiKey).not.toBe(initial);
    expect(await servedApiKey(workloadName, providerName)).toBe(current.apiKey);
    expect((await docAt(secretArn, 'AWSPREVIOUS')).apiKey).toBe(initial);
    expect((await stagesOf(secretArn)).flat()).not.toContain('AWSPENDING');
    expect(deps.events[0]?.alerts.map((a) => a.detailType)).toEqual(['Rotation Succeeded']);
  });

  it('rotates an EXTERNAL API-key provider without touching it: it reads the new AWSCURRENT', async () => {
    const providerName = uniqueName('gw-apikey-ext');
    const initial = `initial-${uniqueName('k')}`;
    const secretArn = await createGatewardenSecret(
      {
        kind: 'apiKey',
        gatewayId: 'gw-local-1',
        provider: { type: 'apiKey', name: providerName, secretSource: 'EXTERNAL' },
        issuer: { type: 'generated', length: 32, excludePunctuation: true },
        test: { attempts: 2, untested: true },
        apiKey: initial,
      },
      providerName,
    );
    await control().send(
      new CreateApiKeyCredentialProviderCommand({
        name: providerName,
        apiKeySecretSource: 'EXTERNAL',
        apiKeySecretConfig: { secretId: secretArn, jsonKey: 'apiKey' },
      }),
    );
    expect(await servedApiKey(workloadName, providerName)).toBe(initial);
    const result = await driveRotation(await rotatorDeps(workloadName), secretArn);
    expect(result.steps.find((s) => s.step === 'setSecret')?.outcome).toBe('skipped');
    const current = await docAt(secretArn, 'AWSCURRENT');
    expect(await servedApiKey(workloadName, providerName)).toBe(current.apiKey);
    expect((await docAt(secretArn, 'AWSPREVIOUS')).apiKey).toBe(initial);
  });

  it('rotates an OAuth2 provider client at the OIDC provider through RFC 7592', async () => {
    // Prepare: a client registered at the real OIDC provider, an OAuth2 provider using it.
    const { oidcIssuer } = localStack();
    const discoveryUrl = localDiscoveryUrl();
    const client = await registerOidcClient();
    const tokenArn = await createAdminSecret(
      JSON.stringify({ registrationAccessToken: client.registrationAccessToken }),
    );
    const providerName = uniqueName('gw-oauth');
    await createLocalOAuth2Provider(control(), providerName, client);
    const secretArn = await createGatewardenSecret(
      {
        kind: 'oauthClient',
        gatewayId: 'gw-local-1',
        provider: { type: 'oauth2', name: providerName, secretSource: 'MANAGED' },
        issuer: {
          type: 'rfc7592',
          registrationClientUri: client.registrationClientUri,
          registrationAccessTokenSecretArn: tokenArn,
        },
        test: { discoveryUrl, scopes: ['gateway:invoke'], attempts: 3 },
        graceSeconds: 0,
        clientId: client.clientId,
        clientSecret: client.clientSecret,
      },
      providerName,
    );
    // Act
    await driveRotation(await rotatorDeps(workloadName), secretArn);
    // Assess: new secret works, old one was invalidated by the server (no overlap).
    const current = await docAt(secretArn, 'AWSCURRENT');
    expect(current.clientSecret).not.toBe(client.clientSecret);
    const tokenEndpoint = `${oidcIssuer}/token`;
    expect(await tokenStatus(tokenEndpoint, client.clientId, current.clientSecret ?? '')).toBe(200);
    expect(await tokenStatus(tokenEndpoint, client.clientId, client.clientSecret)).not.toBe(200);
    expect((await docAt(secretArn, 'AWSPREVIOUS')).clientSecret).toBe(client.clientSecret);
    // The provider holds the new secret: the data plane gets a token with it.
    const workloadToken = await dataPlane().send(
      new GetWorkloadAccessTokenCommand({ workloadName }),
    );
    const served = await dataPlane().send(
      new GetResourceOauth2TokenCommand({
        workloadIdentityToken: workloadToken.workloadAccessToken,
        resourceCredentialProviderName: providerName,
        scopes: ['gateway:invoke'],
        oauth2Flow: 'M2M',
      }),
    );
    expect(decodeJwt(served.accessToken ?? '').client_id).toBe(client.clientId);
  });

  it('rotates an inbound client of a CUSTOM_JWT gateway on the OIDC provider', async () => {
    const { oidcIssuer } = localStack();
    const discoveryUrl = localDiscoveryUrl();
    const client = await registerOidcClient();
    const tokenArn = await createAdminSecret(client.registrationAccessToken);
    const gatewayId = await createGateway(discoveryUrl, [client.clientId]);
    const secretArn = await createGatewardenSecret(
      {
        kind: 'inboundClient',
        gatewayId,
        issuer: {
          type: 'rfc7592',
          registrationClientUri: client.registrationClientUri,
          registrationAccessTokenSecretArn: tokenArn,
        },
        test: { attempts: 3 },
        clientId: client.clientId,
        clientSecret: client.clientSecret,
      },
      uniqueName('agent'),
    );
    const result = await driveRotation(await rotatorDeps(workloadName), secretArn);
    expect(result.steps.map((s) => s.outcome)).toEqual(['done', 'skipped', 'done', 'done']);
    const current = await docAt(secretArn, 'AWSCURRENT');
    expect(
      await tokenStatus(`${oidcIssuer}/token`, client.clientId, current.clientSecret ?? ''),
    ).toBe(200);
  });

  it('rotates a Cognito app client secret with overlap and retires the old one after the grace period', async () => {
    // Prepare: pool and client on moto, secrets on the Cognito stand-in, a gateway trusting it.
    const { endpoint } = localStack();
    const cognito = localClient(CognitoIdentityProviderClient);
    const pool = await cognito.send(new CreateUserPoolCommand({ PoolName: uniqueName('gw-pool') }));
    const userPoolId = pool.UserPool?.Id ?? '';
    await tagForRotation(pool.UserPool?.Arn ?? '');
    const created = await cognito.send(
      new CreateUserPoolClientCommand({
        UserPoolId: userPoolId,
        ClientName: 'agent',
        GenerateSecret: true,
      }),
    );
    const clientId = created.UserPoolClient?.ClientId ?? '';
    const initialSecret = created.UserPoolClient?.ClientSecret ?? '';
    const listed = await cognito.send(
      new ListUserPoolClientSecretsCommand({ UserPoolId: userPoolId, ClientId: clientId }),
    );
    const initialId = listed.ClientSecrets?.[0]?.ClientSecretId;
    const discoveryUrl = `${endpoint}/cognito/${userPoolId}/.well-known/openid-configuration`;
    const tokenEndpoint = `${endpoint}/cognito/${userPoolId}/oauth2/token`;
    const gatewayId = await createGateway(discoveryUrl, [clientId]);
    const secretArn = await createGatewardenSecret(
      {
        kind: 'inboundClient',
        gatewayId,
        issuer: { type: 'cognito', userPoolId, clientId },
        test: { attempts: 3 },
        graceSeconds: 3600,
        issuerCredentialId: initialId,
        clientId,
        clientSecret: initialSecret,
      },
      uniqueName('agent'),
    );
    const deps = await rotatorDeps(workloadName);
    // Act
    await driveRotation(deps, secretArn);
    // Assess: both secrets work during the grace period…
    const current = await docAt(secretArn, 'AWSCURRENT');
    expect(current.clientSecret).not.toBe(initialSecret);
    expect(await tokenStatus(tokenEndpoint, clientId, current.clientSecret ?? '')).toBe(200);
    expect(await tokenStatus(tokenEndpoint, clientId, initialSecret)).toBe(200);
    // (The sweep is the rotateNow function's.)
    const sweeper = await sweeperDeps(workloadName);
    expect((await sweepSecret(sweeper, secretArn)).revoked).toEqual([]);
    // …and the old one is revoked by the sweep once it is over.
    sweeper.clock.offsetMs = 3601_000;
    expect((await sweepSecret(sweeper, secretArn)).revoked).toEqual([initialId]);
    expect(await tokenStatus(tokenEndpoint, clientId, initialSecret)).toBe(400);
    expect(await tokenStatus(tokenEndpoint, clientId, current.clientSecret ?? '')).toBe(200);
    const after = await cognito.send(
      new ListUserPoolClientSecretsCommand({ UserPoolId: userPoolId, ClientId: clientId }),
    );
    expect(after.ClientSecrets?.map((s) => s.ClientSecretId)).toEqual([current.issuerCredentialId]);
  });
});
