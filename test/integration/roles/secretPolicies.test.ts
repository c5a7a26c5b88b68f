/**
 * The policies around a registered secret, on a stack that enforces IAM (issue 17 §3, §8).
 *
 * EXTERNAL providers: AgentCore Identity reads a provider's EXTERNAL secret as its service
 * principal for that provider (`aws:SourceArn`); the local stand-in does the same through the
 * IAM gate, so the secret's policy (as `gatewarden register` writes it) and the secrets key's
 * policy (as the stack deploys it) decide. The attacker holds one limited grant: creating
 * credential providers. It points a provider of its own at a gatewarden secret, or at a secret
 * of its own under the gatewarden key, and asks the data plane for the credential.
 *
 * The schedule: a principal with `secretsmanager:*` (as broad managed policies grant) pushes
 * the rotation rules 1000 days out without rotating now.
 *
 * Set-up runs as the stack's admin.
 */
import {
  GetResourceApiKeyCommand,
  GetResourceOauth2TokenCommand,
  GetWorkloadAccessTokenCommand,
} from '@aws-sdk/client-bedrock-agentcore';
import {
  CreateApiKeyCredentialProviderCommand,
  CreateGatewayCommand,
  CreateOauth2CredentialProviderCommand,
} from '@aws-sdk/client-bedrock-agentcore-control';
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  IAMClient,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  PutResourcePolicyCommand,
  RotateSecretCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { randomUUID } from 'node:crypto';
import { localDiscoveryUrl } from '../../support/agentcore.js';
import { localClient, testClientConfig, uniqueName } from '../../support/localStack.js';
import { control, dataPlane, docAt, servedApiKey, sm, workload } from '../rotation/support.js';
import { openRoleStack, registerWithCli, type RoleStack } from './support.js';

const GATEWAY_ROLE = 'arn:aws:iam::123456789012:role/gatewarden-external-reads-gateway';

let stack: RoleStack;
let workloadName = '';
const made: string[] = [];
/** The registered EXTERNAL API key: its secret and its provider. */
const registered = { secretArn: '', provider: '' };

beforeAll(async () => {
  stack = await openRoleStack();
  workloadName = await workload();
  const provider = uniqueName('external-reads');
  await control().send(
    new CreateApiKeyCredentialProviderCommand({ name: provider, apiKey: `k-${randomUUID()}` }),
  );
  const gateway = await control().send(
    new CreateGatewayCommand({
      name: uniqueName('gw-external'),
      roleArn: GATEWAY_ROLE,
      protocolType: 'MCP',
      authorizerType: 'AWS_IAM',
    }),
  );
  const secretArn = await registerWithCli(stack, 'apikey', [
    ...['--provider', provider, '--issuer', 'generated'],
    ...['--gateway', gateway.gatewayId ?? '', '--no-test'],
  ]);
  made.push(secretArn);
  Object.assign(registered, { secretArn, provider });
}, 300_000);

afterAll(async () => {
  await Promise.all(
    made.map((SecretId) =>
      sm()
        .send(new DeleteSecretCommand({ SecretId, ForceDeleteWithoutRecovery: true }))
        .catch(() => undefined),
    ),
  );
  await stack?.close();
}, 60_000);

beforeEach(async () => {
  await stack.denials('clear');
});

/** An EXTERNAL API-key provider of the attacker's, reading `secretId` under `jsonKey`. */
async function attackerApiKeyProvider(secretId: string, jsonKey = 'apiKey'): Promise<string> {
  const name = uniqueName('attacker-key');
  await control().send(
    new CreateApiKeyCredentialProviderCommand({
      name,
      apiKeySecretSource: 'EXTERNAL',
      apiKeySecretConfig: { secretId, jsonKey },
    }),
  );
  return name;
}

async function workloadToken(): Promise<string> {
  const out = await dataPlane().send(new GetWorkloadAccessTokenCommand({ workloadName }));
  return out.workloadAccessToken ?? '';
}

/** What IAM refused AgentCore Identity since the last clear, as `action resource`. */
async function refusedToAgentCore(): Promise<string[]> {
  const denials = (await stack.denials()) as {
    principal: string;
    action?: string;
    resource?: string;
  }[];
  return denials
    .filter((d) => d.principal === 'bedrock-agentcore.amazonaws.com')
    .map((d) => `${d.action ?? ''} ${d.resource ?? ''}`);
}

describe('an EXTERNAL gatewarden secret', () => {
  it('is served to the provider it was registered with', async () => {
    const current = await docAt(registered.secretArn, 'AWSCURRENT');

    const served = await servedApiKey(workloadName, registered.provider);

    expect(served).toBe(current.apiKey);
    expect(await refusedToAgentCore()).toEqual([]);
  });

  it('is refused to an attacker’s API-key provider pointed at it', async () => {
    const attacker = await attackerApiKeyProvider(registered.secretArn);

    const read = dataPlane().send(
      new GetResourceApiKeyCommand({
        workloadIdentityToken: await workloadToken(),
        resourceCredentialProviderName: attacker,
      }),
    );

    await expect(read).rejects.toMatchObject({ name: 'AccessDeniedException' });
    expect(await refusedToAgentCore()).toEqual([
      `secretsmanager:GetSecretValue ${registered.secretArn}`,
    ]);
    // The registered provider still gets its key.
    expect(await servedApiKey(workloadName, registered.provider)).toBe(
      (await docAt(registered.secretArn, 'AWSCURRENT')).apiKey,
    );
  });

  it('is refused to an attacker’s OAuth2 provider that takes it as its client secret', async () => {
    const attacker = uniqueName('attacker-oauth');
    await control().send(
      new CreateOauth2CredentialProviderCommand({
        name: attacker,
        credentialProviderVendor: 'CustomOauth2',
        oauth2ProviderConfigInput: {
          customOauth2ProviderConfig: {
            oauthDiscovery: { discoveryUrl: localDiscoveryUrl() },
            clientId: 'attacker-client',
            clientSecretSource: 'EXTERNAL',
            clientSecretConfig: { secretId: registered.secretArn, jsonKey: 'apiKey' },
          },
        },
      }),
    );

    const token = dataPlane().send(
      new GetResourceOauth2TokenCommand({
        workloadIdentityToken: await workloadToken(),
        resourceCredentialProviderName: attacker,
        scopes: [],
        oauth2Flow: 'M2M',
      }),
    );

    await expect(token).rejects.toMatchObject({ name: 'AccessDeniedException' });
    expect(await refusedToAgentCore()).toEqual([
      `secretsmanager:GetSecretValue ${registered.secretArn}`,
    ]);
  });
});

describe('the gatewarden secrets key', () => {
  it('decrypts for AgentCore only gatewarden/ secrets, whatever another secret’s policy allows', async () => {
    // A secret outside gatewarden/ under the gatewarden key, its policy open to AgentCore.
    const created = await sm().send(
      new CreateSecretCommand({
        Name: uniqueName('attacker-copy/apikey'),
        KmsKeyId: stack.secretsKeyArn,
        SecretString: JSON.stringify({ apiKey: `copied-${randomUUID()}` }),
      }),
    );
    const secretArn = created.ARN ?? '';
    made.push(secretArn);
    await sm().send(
      new PutResourcePolicyCommand({
        SecretId: secretArn,
        ResourcePolicy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { Service: 'bedrock-agentcore.amazonaws.com' },
              Action: 'secretsmanager:GetSecretValue',
              Resource: '*',
            },
          ],
        }),
      }),
    );
    const attacker = await attackerApiKeyProvider(secretArn);

    const read = dataPlane().send(
      new GetResourceApiKeyCommand({
        workloadIdentityToken: await workloadToken(),
        resourceCredentialProviderName: attacker,
      }),
    );

    await expect(read).rejects.toMatchObject({ name: 'AccessDeniedException' });
    expect(await refusedToAgentCore()).toEqual([`kms:Decrypt ${stack.secretsKeyArn}`]);
  });
});

describe('the schedule of a registered secret', () => {
  it('cannot be pushed out by a principal with secretsmanager:* that is no writer', async () => {
    const iam = localClient(IAMClient);
    const userName = uniqueName('power-user');
    await iam.send(new CreateUserCommand({ UserName: userName }));
    await iam.send(
      new PutUserPolicyCommand({
        UserName: userName,
        PolicyName: 'secrets-power',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Action: ['secretsmanager:*', 'lambda:InvokeFunction'],
              Resource: '*',
            },
          ],
        }),
      }),
    );
    const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: userName }));
    const asUser = new SecretsManagerClient({
      ...testClientConfig(),
      credentials: {
        accessKeyId: AccessKey?.AccessKeyId ?? '',
        secretAccessKey: 'not-checked-by-moto',
      },
    });
    const before = await sm().send(new DescribeSecretCommand({ SecretId: registered.secretArn }));

    const push = asUser.send(
      new RotateSecretCommand({
        SecretId: registered.secretArn,
        RotationRules: { AutomaticallyAfterDays: 1000 },
        RotateImmediately: false,
      }),
    );

    await expect(push).rejects.toMatchObject({ name: 'AccessDeniedException' });
    const after = await sm().send(new DescribeSecretCommand({ SecretId: registered.secretArn }));
    expect(after.RotationRules).toEqual(before.RotationRules);
    expect(after.RotationRules?.AutomaticallyAfterDays).toBe(30);
    const denials = (await stack.denials()) as { principal: string; decisive: string[] }[];
    expect(
      denials.find((d) => d.principal.endsWith(`user/${userName}`))?.decisive.join(),
    ).toContain('OnlyRotatorAndAdminChangeTheSchedule');
  });
});
