/**
 * Tags on what the stand-in owns or moto lacks, so `AwsRotationTagger` (lib/aws) runs locally.
 * TEST/DEMO COMPONENT — not product code.
 *
 * - AgentCore Identity credential providers: `TagResource` / `ListTagsForResource` /
 *   `UntagResource` at `/tags/<provider ARN>` (restJson1). Tags live on the stand-in's provider
 *   records. Other ARNs (gateways) are left to moto, which tags those itself.
 * - Cognito user pools: `TagResource` / `ListTagsForResource` / `UntagResource` (awsJson1.1):
 *   moto's cognito-idp has no tagging operations. The pool must exist in moto; its tags are
 *   kept here.
 */
import {
  CognitoIdentityProviderClient,
  DescribeUserPoolCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import type { FrontRequest, StandinContext, StandinRoute } from './context.js';
import { awsJson, awsJsonError, notFound, restJson, StandinError, validation } from './http.js';
import { isTags, registryOf } from './identity/operation.js';
import { callerDirectory } from './identity/controlRoutes.js';

const PROVIDER_ARN =
  /^arn:aws:bedrock-agentcore:[\w-]+:\d{12}:token-vault\/default\/(apikey|oauth2)credentialprovider\/([\w-]+)$/;
const TAGS_PATH = '/tags/';

function providerArnOf(request: FrontRequest): string | undefined {
  if (request.aws.service !== 'bedrock-agentcore' || !request.path.startsWith(TAGS_PATH)) {
    return undefined;
  }
  const arn = decodeURIComponent(request.path.slice(TAGS_PATH.length));
  return PROVIDER_ARN.test(arn) ? arn : undefined;
}

/** The tag map of the provider an ARN names, or a ResourceNotFound. */
async function providerTags(
  request: FrontRequest,
  context: StandinContext,
  arn: string,
): Promise<{ tags: Record<string, string>; set: (tags: Record<string, string>) => void }> {
  const { directory } = await callerDirectory(request, context);
  const [, kind, name = ''] = PROVIDER_ARN.exec(arn) ?? [];
  const provider = (kind === 'apikey' ? directory.apiKey : directory.oauth2).get(name);
  if (!provider || provider.arn !== arn) throw notFound(`credential provider ${arn} not found`);
  return {
    tags: provider.tags ?? {},
    set: (tags) => {
      provider.tags = tags;
    },
  };
}

export const providerTagsRoute: StandinRoute = {
  name: 'agentcore-identity:tags',
  matches: (request) => providerArnOf(request) !== undefined,
  async handle(request, context) {
    const arn = providerArnOf(request) ?? '';
    const { tags, set } = await providerTags(request, context, arn);
    switch (request.method) {
      case 'GET':
        return restJson(200, { tags });
      case 'POST': {
        const added = request.aws.params.tags;
        if (!isTags(added)) throw validation('tags must be a map of strings');
        set({ ...tags, ...added });
        return restJson(204, {});
      }
      case 'DELETE': {
        const keys = request.query.getAll('tagKeys');
        set(Object.fromEntries(Object.entries(tags).filter(([key]) => !keys.includes(key))));
        return restJson(204, {});
      }
      default:
        throw validation(`${request.method} is not a tagging operation`);
    }
  },
};

const COGNITO_TARGET = 'AWSCognitoIdentityProviderService.';
const COGNITO_OPERATIONS = ['TagResource', 'ListTagsForResource', 'UntagResource'];
const USER_POOL_ARN = /^arn:aws:cognito-idp:[\w-]+:\d{12}:userpool\/([\w-]+)$/;

const poolTagsOf = (context: StandinContext): Map<string, Record<string, string>> =>
  context.state('cognito-tags', () => new Map<string, Record<string, string>>());

/**
 * Tags the stand-in keeps for a resource (user pools, credential providers), for
 * `aws:ResourceTag` conditions; none for anything else.
 */
export function standinResourceTags(context: StandinContext, arn: string): Record<string, string> {
  if (/:userpool\//.test(arn)) return poolTagsOf(context).get(arn) ?? {};
  const provider = PROVIDER_ARN.exec(arn);
  if (!provider) return {};
  const [, region = '', account = ''] =
    /^arn:aws:bedrock-agentcore:([\w-]+):(\d{12}):/.exec(arn) ?? [];
  const directory = registryOf(context).directory(account, region);
  const found = (provider[1] === 'apikey' ? directory.apiKey : directory.oauth2).get(
    provider[2] ?? '',
  );
  return found?.arn === arn ? (found.tags ?? {}) : {};
}

export const userPoolTagsRoute: StandinRoute = {
  name: 'cognito:tags',
  model: 'cognito-idp',
  matches: (request) =>
    request.aws.target !== undefined &&
    request.aws.target.startsWith(COGNITO_TARGET) &&
    COGNITO_OPERATIONS.includes(request.aws.target.slice(COGNITO_TARGET.length)),
  async handle(request, context) {
    try {
      const params = request.aws.params;
      const arn = typeof params.ResourceArn === 'string' ? params.ResourceArn : '';
      const poolId = USER_POOL_ARN.exec(arn)?.[1];
      if (!poolId) throw new StandinError(400, 'InvalidParameterException', 'not a user pool ARN');
      try {
        await context
          .motoClient(CognitoIdentityProviderClient, request)
          .send(new DescribeUserPoolCommand({ UserPoolId: poolId }));
      } catch {
        throw new StandinError(
          400,
          'ResourceNotFoundException',
          `User pool ${poolId} does not exist.`,
        );
      }
      const all = poolTagsOf(context);
      const tags = all.get(arn) ?? {};
      switch (request.aws.target?.slice(COGNITO_TARGET.length)) {
        case 'TagResource':
          if (!isTags(params.Tags))
            throw new StandinError(
              400,
              'InvalidParameterException',
              'Tags must be a map of strings',
            );
          all.set(arn, { ...tags, ...params.Tags });
          return awsJson({});
        case 'UntagResource': {
          const keys = Array.isArray(params.TagKeys) ? params.TagKeys : [];
          all.set(arn, Object.fromEntries(Object.entries(tags).filter(([k]) => !keys.includes(k))));
          return awsJson({});
        }
        default:
          return awsJson({ Tags: tags });
      }
    } catch (error) {
      if (error instanceof StandinError) return awsJsonError(error);
      throw error;
    }
  },
};
