/**
 * Where a credential goes outside the secret document, attacked on a stack that enforces IAM.
 * An IAM user made here holds one limited grant — only `UpdateGateway`, or only
 * `UpdateOauth2CredentialProvider` — and, with its own access key, repoints the live
 * configuration at a local "attacker" server: the CUSTOM_JWT authorizer's discovery URL of a
 * gateway whose inbound client gatewarden rotates, or the vendor configuration of a MANAGED
 * OAuth2 provider. Then the rotation runs as Secrets Manager runs it: the product's code AS the
 * deployed rotate role (./support.ts). It must fail with BindingMismatchError naming the field,
 * before any outbound call: the attacker's server receives nothing, nothing new is minted or
 * written to the provider, AWSCURRENT does not move and the victim's credential still works.
 */
import {
  BedrockAgentCoreControlClient,
  CreateGatewayCommand,
  GetGatewayCommand,
  GetOauth2CredentialProviderCommand,
  UpdateGatewayCommand,
  UpdateOauth2CredentialProviderCommand,
} from '@aws-sdk/client-bedrock-agentcore-control';
import {
  CognitoIdentityProviderClient,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  ListUserPoolClientSecretsCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  IAMClient,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import {
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  RotateSecretCommand,
} from '@aws-sdk/client-secrets-manager';
import { randomUUID } from 'node:crypto';
import {
  defaultDeps as rotateDeps,
  makeHandler as rotateHandler,
  type RotateEvent,
} from '../../../functions/rotate.js';
import { ROTATION_FAILURE_TAG } from '../../../lib/rotation/alerts.js';
import { createLocalOAuth2Provider } from '../../support/agentcore.js';
import { localClient, localStack, testClientConfig, uniqueName } from '../../support/localStack.js';
import {
  control,
  createAdminSecret,
  createPlainSecret,
  docAt,
  registerOidcClient,
  sm,
  tokenStatus,
} from '../rotation/support.js';
import {
  LAMBDA_CONTEXT,
  LocalServer,
  openRoleStack,
  registerWithCli,
  type RoleStack,
} from './support.js';

const GATEWAY_ROLE = 'arn:aws:iam::123456789012:role/gatewarden-destination-tests-gateway';
const STEPS: RotateEvent['Step'][] = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'];

let stack: RoleStack;
const made: string[] = [];
/** The attacker's server: counts every request and answers like a willing IdP. */
const hits: string[] = [];
const attacker = new LocalServer((request, response) => {
  hits.push(`${request.method} ${request.url}`);
  response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
});

beforeAll(async () => {
  stack = await openRoleStack();
  await attacker.start();
}, 300_000);

afterAll(async () => {
  await Promise.all(
    made.map((SecretId) =>
      sm()
        .send(new DeleteSecretCommand({ SecretId, ForceDeleteWithoutRecovery: true }))
        .catch(() => undefined),
    ),
  );
  await attacker.stop();
  await stack?.close();
}, 60_000);

beforeEach(async () => {
  hits.length = 0;
  await stack.denials('clear');
});

/** An IAM user holding only `actions` on `*`, and an AgentCore control client acting as it. */
async function attackerWith(actions: string[]): Promise<BedrockAgentCoreControlClient> {
  const iam = localClient(IAMClient);
  const UserName = uniqueName('limited-grant');
  await iam.send(new CreateUserCommand({ UserName }));
  await iam.send(
    new PutUserPolicyCommand({
      UserName,
      PolicyName: 'only-this',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: actions, Resource: '*' }],
      }),
    }),
  );
  const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName }));
  return new BedrockAgentCoreControlClient({
    ...testClientConfig(),
    credentials: {
      accessKeyId: AccessKey?.AccessKeyId ?? '',
      secretAccessKey: AccessKey?.SecretAccessKey ?? 'not-checked',
    },
  });
}

/** What Secrets Manager does on schedule, then each step as the deployed rotate role. */
async function rotate(secretArn: string, steps = STEPS, token = randomUUID()): Promise<string> {
  await sm().send(new RotateSecretCommand({ SecretId: secretArn, ClientRequestToken: token }));
  await runSteps(secretArn, token, steps);
  return token;
}

async function runSteps(secretArn: string, token: string, steps: RotateEvent['Step'][]) {
  await stack.asFunction('rotate', async (env) => {
    const handler = rotateHandler(rotateDeps(env));
    for (const Step of steps) {
      await handler({ Step, SecretId: secretArn, ClientRequestToken: token }, LAMBDA_CONTEXT);
    }
  });
}

async function secretState(secretArn: string) {
  const out = await sm().send(new DescribeSecretCommand({ SecretId: secretArn }));
  const stages = out.VersionIdsToStages ?? {};
  return {
    current: Object.entries(stages).find(([, s]) => s.includes('AWSCURRENT'))?.[0],
    failureTag: (out.Tags ?? []).find((tag) => tag.Key === ROTATION_FAILURE_TAG)?.Value ?? '',
  };
}

/** A Cognito app client agents use for a CUSTOM_JWT gateway, registered with the real CLI. */
async function inboundClient() {
  const cognito = localClient(CognitoIdentityProviderClient);
  const pool = await cognito.send(new CreateUserPoolCommand({ PoolName: uniqueName('dest') }));
  const poolId = pool.UserPool?.Id ?? '';
  const created = await cognito.send(
    new CreateUserPoolClientCommand({
      UserPoolId: poolId,
      ClientName: 'agent',
      GenerateSecret: true,
    }),
  );
  const clientId = created.UserPoolClient?.ClientId ?? '';
  const initialSecret = created.UserPoolClient?.ClientSecret ?? '';
  const current = await createPlainSecret(JSON.stringify({ client_secret: initialSecret }));
  made.push(current);
  const issuer = `${stack.endpoint}/cognito/${poolId}`;
  const discoveryUrl = `${issuer}/.well-known/openid-configuration`;
  const gateway = await control().send(
    new CreateGatewayCommand({
      name: uniqueName('gw-dest'),
      roleArn: GATEWAY_ROLE,
      protocolType: 'MCP',
      authorizerType: 'CUSTOM_JWT',
      authorizerConfiguration: {
        customJWTAuthorizer: { discoveryUrl, allowedClients: [clientId] },
      },
    }),
  );
  const gatewayId = gateway.gatewayId ?? '';
  const secretArn = await registerWithCli(stack, 'inbound', [
    ...['--gateway', gatewayId, '--issuer', 'cognito', '--user-pool', poolId],
    ...['--client-id', clientId, '--current-secret', `${current}#client_secret`],
  ]);
  made.push(secretArn);
  return {
    secretArn,
    gatewayId,
    poolId,
    clientId,
    initialSecret,
    tokenEndpoint: `${issuer}/oauth2/token`,
  };
}

/**
 * UpdateGateway is a full replace: the attacker resends the gateway with its own discovery URL.
 * It names the gateway's role, so IAM also checks `iam:PassRole` on it (the role the gateway
 * already has: nothing new is handed over), hence that second action in the grant.
 */
async function repointAuthorizer(
  client: BedrockAgentCoreControlClient,
  gatewayId: string,
  clientId: string,
): Promise<void> {
  const gateway = await control().send(new GetGatewayCommand({ gatewayIdentifier: gatewayId }));
  await client.send(
    new UpdateGatewayCommand({
      gatewayIdentifier: gatewayId,
      name: gateway.name,
      roleArn: gateway.roleArn,
      protocolType: 'MCP',
      authorizerType: 'CUSTOM_JWT',
      authorizerConfiguration: {
        customJWTAuthorizer: {
          discoveryUrl: `${attacker.url}/.well-known/openid-configuration`,
          allowedClients: [clientId],
        },
      },
    }),
  );
  const after = await control().send(new GetGatewayCommand({ gatewayIdentifier: gatewayId }));
  // The limited grant was enough: the live authorizer is the attacker's.
  expect(after.authorizerConfiguration?.customJWTAuthorizer?.discoveryUrl).toContain(attacker.url);
}

async function cognitoSecretIds(poolId: string, clientId: string): Promise<string[]> {
  const listed = await localClient(CognitoIdentityProviderClient).send(
    new ListUserPoolClientSecretsCommand({ UserPoolId: poolId, ClientId: clientId }),
  );
  return (listed.ClientSecrets ?? []).map((s) => s.ClientSecretId ?? '').sort();
}

describe('a principal with only UpdateGateway cannot receive an inbound client secret', () => {
  it('repointed before the rotation: refused before anything is minted or sent', async () => {
    // Prepare
    const victim = await inboundClient();
    const before = await secretState(victim.secretArn);
    const secretsBefore = await cognitoSecretIds(victim.poolId, victim.clientId);
    const gatewayWriter = await attackerWith(['bedrock-agentcore:UpdateGateway', 'iam:PassRole']);
    await repointAuthorizer(gatewayWriter, victim.gatewayId, victim.clientId);

    // Act
    await expect(rotate(victim.secretArn)).rejects.toMatchObject({
      name: 'BindingMismatchError',
      message: expect.stringContaining('destinations.inbound.discoveryUrl'),
    });

    // Assess
    expect(hits).toEqual([]);
    const after = await secretState(victim.secretArn);
    expect(after.current).toBe(before.current);
    expect(after.failureTag).toContain('BindingMismatchError');
    expect(after.failureTag).toContain('destinations.inbound.discoveryUrl');
    expect(after.failureTag).not.toContain(attacker.url);
    expect(await cognitoSecretIds(victim.poolId, victim.clientId)).toEqual(secretsBefore);
    expect((await docAt(victim.secretArn, 'AWSCURRENT')).clientSecret).toBe(victim.initialSecret);
    expect(await tokenStatus(victim.tokenEndpoint, victim.clientId, victim.initialSecret)).toBe(
      200,
    );
  });

  it('repointed between createSecret and testSecret: the new secret is never sent', async () => {
    // Prepare: the rotation has minted its pending secret when the attacker strikes.
    const victim = await inboundClient();
    const before = await secretState(victim.secretArn);
    const token = randomUUID();
    await sm().send(
      new RotateSecretCommand({ SecretId: victim.secretArn, ClientRequestToken: token }),
    );
    await runSteps(victim.secretArn, token, ['createSecret', 'setSecret']);
    const gatewayWriter = await attackerWith(['bedrock-agentcore:UpdateGateway', 'iam:PassRole']);
    await repointAuthorizer(gatewayWriter, victim.gatewayId, victim.clientId);

    // Act
    await expect(runSteps(victim.secretArn, token, ['testSecret'])).rejects.toMatchObject({
      name: 'BindingMismatchError',
      message: expect.stringContaining('destinations.inbound.discoveryUrl'),
    });

    // Assess: nothing reached the attacker; the untested secret never became current.
    expect(hits).toEqual([]);
    expect((await secretState(victim.secretArn)).current).toBe(before.current);
    expect((await docAt(victim.secretArn, 'AWSCURRENT')).clientSecret).toBe(victim.initialSecret);
    expect(await tokenStatus(victim.tokenEndpoint, victim.clientId, victim.initialSecret)).toBe(
      200,
    );
  });
});

describe('a principal with only the provider update (and the managed-secret write it needs) cannot receive a new client secret', () => {
  it('repointed token endpoint: no provider update, nothing minted, nothing sent', async () => {
    // Prepare: a MANAGED OAuth2 provider on the local OpenID Connect provider, rotated through
    // RFC 7592 at that provider's registration endpoint.
    const client = await registerOidcClient();
    const tokenSecret = await createAdminSecret(
      JSON.stringify({ registrationAccessToken: client.registrationAccessToken }),
    );
    made.push(tokenSecret);
    const provider = uniqueName('dest-oauth');
    await createLocalOAuth2Provider(control(), provider, client);
    const gateway = await control().send(
      new CreateGatewayCommand({
        name: uniqueName('gw-dest'),
        roleArn: GATEWAY_ROLE,
        protocolType: 'MCP',
        authorizerType: 'AWS_IAM',
      }),
    );
    const secretArn = await registerWithCli(stack, 'oauth', [
      ...['--provider', provider, '--issuer', 'rfc7592', '--gateway', gateway.gatewayId ?? ''],
      ...['--registration-uri', client.registrationClientUri],
      ...['--registration-token-secret', tokenSecret, '--managed', '--scope', 'gateway:invoke'],
    ]);
    made.push(secretArn);
    const before = await secretState(secretArn);

    // The attacker: a full replace with its own endpoints (and, as it must, some secret).
    // AgentCore Identity writes the MANAGED secret with the caller's rights, so an update needs
    // the Secrets Manager write too (without it the update itself is refused).
    const providerWriter = await attackerWith([
      'bedrock-agentcore:UpdateOauth2CredentialProvider',
      'secretsmanager:PutSecretValue',
    ]);
    await providerWriter.send(
      new UpdateOauth2CredentialProviderCommand({
        name: provider,
        credentialProviderVendor: 'CustomOauth2',
        oauth2ProviderConfigInput: {
          customOauth2ProviderConfig: {
            oauthDiscovery: {
              authorizationServerMetadata: {
                issuer: localStack().oidcIssuer,
                authorizationEndpoint: `${attacker.url}/authorize`,
                tokenEndpoint: `${attacker.url}/token`,
              },
            },
            clientId: client.clientId,
            clientSecret: 'attacker-placeholder-secret',
          },
        },
      }),
    );

    // Act
    await expect(rotate(secretArn)).rejects.toMatchObject({
      name: 'BindingMismatchError',
      message: expect.stringContaining('destinations.oauth2.config.oauthDiscovery'),
    });

    // Assess: nothing sent; the provider was not written (it keeps the attacker's placeholder,
    // not a new real secret); nothing moved; the victim's credential still works at its IdP.
    expect(hits).toEqual([]);
    const after = await secretState(secretArn);
    expect(after.current).toBe(before.current);
    expect(after.failureTag).toContain('destinations.oauth2.config.oauthDiscovery');
    const live = await control().send(new GetOauth2CredentialProviderCommand({ name: provider }));
    const managed = live.clientSecretArn?.secretArn;
    if (managed) {
      const stored = await sm().send(new GetSecretValueCommand({ SecretId: managed }));
      expect(stored.SecretString ?? '').toContain('attacker-placeholder-secret');
    }
    const tokenEndpoint = `${localStack().oidcIssuer}/token`;
    expect((await docAt(secretArn, 'AWSCURRENT')).clientSecret).toBe(client.clientSecret);
    expect(await tokenStatus(tokenEndpoint, client.clientId, client.clientSecret)).toBe(200);
  });
});
