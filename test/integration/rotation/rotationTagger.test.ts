/**
 * The rotation tagger with the real SDK clients against the local stack: AgentCore credential
 * providers (stand-in) and Cognito user pools (pools on moto; moto's cognito-idp has no tagging,
 * so the stand-in keeps pool tags). The rotate role's grants on both require the tag.
 */
import {
  CreateApiKeyCredentialProviderCommand,
  CreateOauth2CredentialProviderCommand,
  ListTagsForResourceCommand as ListAgentCoreTagsCommand,
} from '@aws-sdk/client-bedrock-agentcore-control';
import {
  CognitoIdentityProviderClient,
  CreateUserPoolCommand,
  ListTagsForResourceCommand as ListCognitoTagsCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import {
  AwsRotationTagger,
  RotationTagError,
  ROTATED_TAG,
} from '../../../lib/aws/rotationTagger.js';
import { localClient, localStack, uniqueName } from '../../support/localStack.js';
import { control } from './support.js';

const ROTATED = { [ROTATED_TAG.key]: ROTATED_TAG.value };

async function providerTags(arn: string): Promise<Record<string, string>> {
  const out = await control().send(new ListAgentCoreTagsCommand({ resourceArn: arn }));
  return out.tags ?? {};
}

async function poolTags(arn: string): Promise<Record<string, string>> {
  const cognito = localClient(CognitoIdentityProviderClient);
  const out = await cognito.send(new ListCognitoTagsCommand({ ResourceArn: arn }));
  return out.Tags ?? {};
}

describe('AwsRotationTagger (local stack)', () => {
  const tagger = new AwsRotationTagger();

  it('tags an API-key provider, an OAuth2 provider and a user pool, and tagging again changes nothing', async () => {
    // Prepare: two providers on the stand-in, one of them already carrying another tag; a pool on moto.
    const apiKey = await control().send(
      new CreateApiKeyCredentialProviderCommand({
        name: uniqueName('tagger-apikey'),
        apiKey: 'not-a-real-key',
        tags: { team: 'agents' },
      }),
    );
    const oauth = await control().send(
      new CreateOauth2CredentialProviderCommand({
        name: uniqueName('tagger-oauth'),
        credentialProviderVendor: 'CustomOauth2',
        oauth2ProviderConfigInput: {
          customOauth2ProviderConfig: {
            oauthDiscovery: {
              discoveryUrl: `${localStack().oidcIssuer}/.well-known/openid-configuration`,
            },
            clientId: 'tagger-client',
            clientSecret: 'not-a-real-secret',
          },
        },
      }),
    );
    const pool = await localClient(CognitoIdentityProviderClient).send(
      new CreateUserPoolCommand({ PoolName: uniqueName('tagger-pool') }),
    );
    const arns = [
      apiKey.credentialProviderArn ?? '',
      oauth.credentialProviderArn ?? '',
      pool.UserPool?.Arn ?? '',
    ];

    // Act: tag (with a duplicate), then tag again.
    await tagger.tag([...arns, arns[0] ?? '']);
    await tagger.tag(arns);

    // Assess: the rotation tag is there once, other tags are kept.
    expect(await providerTags(arns[0] ?? '')).toEqual({ team: 'agents', ...ROTATED });
    expect(await providerTags(arns[1] ?? '')).toEqual(ROTATED);
    expect(await poolTags(arns[2] ?? '')).toEqual(ROTATED);
  });

  it.each([
    ['a secret', 'arn:aws:secretsmanager:us-east-1:123456789012:secret:gatewarden/x-AbCdEf'],
    ['a gateway', 'arn:aws:bedrock-agentcore:us-east-1:123456789012:gateway/gw-1'],
    ['the token vault', 'arn:aws:bedrock-agentcore:us-east-1:123456789012:token-vault/default'],
  ])('refuses %s before calling anything', async (_what, arn) => {
    await expect(tagger.tag([arn])).rejects.toBeInstanceOf(RotationTagError);
  });

  it.each([
    [
      'a provider that does not exist',
      'arn:aws:bedrock-agentcore:us-east-1:123456789012:token-vault/default/apikeycredentialprovider/gw-missing',
    ],
    [
      'a pool that does not exist',
      'arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_missing',
    ],
  ])('fails for %s', async (_what, arn) => {
    await expect(tagger.tag([arn])).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });
});
