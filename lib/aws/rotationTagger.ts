import {
  BedrockAgentCoreControlClient,
  TagResourceCommand as AgentCoreTagResourceCommand,
} from '@aws-sdk/client-bedrock-agentcore-control';
import {
  CognitoIdentityProviderClient,
  TagResourceCommand as CognitoTagResourceCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { RotationError } from '../rotation/errors.js';
import { clientConfig } from './clients.js';
import type { RotationTagger } from '../rotation/registerPorts.js';

/**
 * The tag that lets the rotate role act on a resource: its IAM grants on AgentCore credential
 * providers and Cognito user pools carry `aws:ResourceTag/gatewarden:rotated = "true"`
 * (resources/role-rotate.yml). Only `gatewarden register`, run by an admin, puts it on.
 */
export const ROTATED_TAG = { key: 'gatewarden:rotated', value: 'true' } as const;

export type { RotationTagger };

/** An ARN the tagger does not know how to tag (neither a provider nor a user pool). */
export class RotationTagError extends RotationError {}

type Target =
  | { service: 'bedrock-agentcore'; region: string; arn: string }
  | { service: 'cognito-idp'; region: string; arn: string };

const PROVIDER =
  /^arn:aws[\w-]*:bedrock-agentcore:([\w-]+):\d{12}:token-vault\/[^/]+\/(apikey|oauth2)credentialprovider\/[^/]+$/;
const USER_POOL = /^arn:aws[\w-]*:cognito-idp:([\w-]+):\d{12}:userpool\/[\w-]+$/;

function targetOf(arn: string): Target {
  const provider = PROVIDER.exec(arn);
  if (provider?.[1]) return { service: 'bedrock-agentcore', region: provider[1], arn };
  const pool = USER_POOL.exec(arn);
  if (pool?.[1]) return { service: 'cognito-idp', region: pool[1], arn };
  throw new RotationTagError(
    'only AgentCore credential providers and Cognito user pools are tagged for rotation',
    { context: { arn } },
  );
}

/**
 * Tags AgentCore credential providers (bedrock-agentcore TagResource) and Cognito user pools
 * (cognito-idp TagResource) with {@link ROTATED_TAG}, each in the region its ARN names (a pool
 * may sit in another region than the stack). TagResource with a tag already present changes
 * nothing, so tagging again is harmless. Every ARN is checked before the first call.
 */
export class AwsRotationTagger implements RotationTagger {
  private readonly agentcore = new Map<string, BedrockAgentCoreControlClient>();
  private readonly cognito = new Map<string, CognitoIdentityProviderClient>();

  async tag(resourceArns: readonly string[]): Promise<void> {
    const targets = [...new Set(resourceArns)].map(targetOf);
    for (const target of targets) {
      if (target.service === 'bedrock-agentcore') {
        await this.agentcoreIn(target.region).send(
          new AgentCoreTagResourceCommand({
            resourceArn: target.arn,
            tags: { [ROTATED_TAG.key]: ROTATED_TAG.value },
          }),
        );
      } else {
        await this.cognitoIn(target.region).send(
          new CognitoTagResourceCommand({
            ResourceArn: target.arn,
            Tags: { [ROTATED_TAG.key]: ROTATED_TAG.value },
          }),
        );
      }
    }
  }

  private agentcoreIn(region: string): BedrockAgentCoreControlClient {
    let client = this.agentcore.get(region);
    if (!client) {
      client = new BedrockAgentCoreControlClient(clientConfig({ region }));
      this.agentcore.set(region, client);
    }
    return client;
  }

  private cognitoIn(region: string): CognitoIdentityProviderClient {
    let client = this.cognito.get(region);
    if (!client) {
      client = new CognitoIdentityProviderClient(clientConfig({ region }));
      this.cognito.set(region, client);
    }
    return client;
  }
}
