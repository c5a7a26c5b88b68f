/**
 * Canary test: secret values that pass through the local stack (provider values, client
 * secrets, tokens) never reach its logs or its CloudTrail records.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  BedrockAgentCoreClient,
  GetResourceApiKeyCommand,
  GetResourceOauth2TokenCommand,
  GetWorkloadAccessTokenCommand,
} from '@aws-sdk/client-bedrock-agentcore';
import {
  BedrockAgentCoreControlClient,
  CreateApiKeyCredentialProviderCommand,
  CreateWorkloadIdentityCommand,
  UpdateApiKeyCredentialProviderCommand,
} from '@aws-sdk/client-bedrock-agentcore-control';
import { CloudTrailClient, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { createLocalOAuth2Provider } from '../../support/agentcore.js';
import {
  DEMO_CLIENTS,
  localStackStateDir,
  testClientConfig,
  uniqueName,
} from '../../support/localStack.js';

describe('local stack: no secret in logs or CloudTrail', () => {
  it('keeps canary values out of the daemon log, the moto log and LookupEvents', async () => {
    const canaries = [
      uniqueName('canary-apikey'),
      uniqueName('canary-apikey2'),
      uniqueName('canary-secret'),
    ];
    const control = new BedrockAgentCoreControlClient(testClientConfig());
    const data = new BedrockAgentCoreClient(testClientConfig());
    const secrets = new SecretsManagerClient(testClientConfig());
    const name = uniqueName('gw-test-canary');

    await control.send(new CreateApiKeyCredentialProviderCommand({ name, apiKey: canaries[0] }));
    await control.send(new UpdateApiKeyCredentialProviderCommand({ name, apiKey: canaries[1] }));
    const secret = await secrets.send(
      new CreateSecretCommand({ Name: uniqueName('gw-test/canary'), SecretString: canaries[2] }),
    );
    await secrets.send(
      new GetSecretValueCommand({ SecretId: secret.ARN, VersionStage: 'AWSCURRENT' }),
    );
    await control.send(new CreateWorkloadIdentityCommand({ name }));
    const { workloadAccessToken } = await data.send(
      new GetWorkloadAccessTokenCommand({ workloadName: name }),
    );
    const { apiKey } = await data.send(
      new GetResourceApiKeyCommand({
        workloadIdentityToken: workloadAccessToken,
        resourceCredentialProviderName: name,
      }),
    );
    expect(apiKey).toBe(canaries[1]);
    const client = DEMO_CLIENTS[1];
    await createLocalOAuth2Provider(control, name, {
      clientId: client.client_id,
      clientSecret: client.client_secret,
    });
    const { accessToken } = await data.send(
      new GetResourceOauth2TokenCommand({
        workloadIdentityToken: workloadAccessToken,
        resourceCredentialProviderName: name,
        scopes: [],
        oauth2Flow: 'M2M',
      }),
    );

    const secretsSeen = [
      ...canaries,
      client.client_secret,
      workloadAccessToken ?? '',
      accessToken ?? '',
    ];
    const events = await new CloudTrailClient(testClientConfig()).send(
      new LookupEventsCommand({ StartTime: new Date(Date.now() - 60_000) }),
    );
    const texts = {
      daemonLog: readFileSync(join(localStackStateDir(), 'local-stack.log'), 'utf8'),
      motoLog: readFileSync(join(localStackStateDir(), 'moto.log'), 'utf8'),
      cloudTrail: JSON.stringify(events.Events),
    };
    expect(texts.cloudTrail).toContain(name);
    for (const [where, text] of Object.entries(texts)) {
      for (const value of secretsSeen) {
        expect({ where, leaked: text.includes(value) }).toEqual({ where, leaked: false });
      }
    }
  });
});
