/**
 * The SDK adapter of posture: how GetGateway/GetGatewayTarget answers map to what the checks
 * read, and that every page of targets and policies is read. The paging is tested with an
 * in-memory client — the last resort the style allows — because the local stack cannot serve
 * it: moto answers every ListGatewayTargets in one page, ignoring maxResults and nextToken.
 */
import type { BedrockAgentCoreControlClient } from '@aws-sdk/client-bedrock-agentcore-control';
import {
  AgentCorePostureReader,
  openApiServers,
  postureOf,
} from '../../../lib/aws/gatewayPosture.js';

const ARN = 'arn:aws:bedrock-agentcore:us-east-1:111122223333:gateway/gw-1';
const ENGINE = 'arn:aws:bedrock-agentcore:us-east-1:111122223333:policy-engine/eng-abcdefghij';

/** A client answering each command by its class name from `answers`. */
function fakeClient(answers: Record<string, (input: Record<string, unknown>) => unknown>) {
  const calls: string[] = [];
  const client = {
    send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
      const name = command.constructor.name.replace(/Command$/, '');
      calls.push(`${name}${command.input.nextToken ? `@${String(command.input.nextToken)}` : ''}`);
      const answer = answers[name];
      if (!answer) throw Object.assign(new Error('no'), { name: 'AccessDeniedException' });
      return answer(command.input);
    },
  };
  return { client: client as unknown as BedrockAgentCoreControlClient, calls };
}

describe('posture SDK adapter', () => {
  it('maps every security-relevant block of GetGateway', () => {
    const posture = postureOf(
      {
        gatewayId: 'gw-1',
        gatewayArn: ARN,
        name: 'orders',
        status: 'READY',
        createdAt: new Date(),
        updatedAt: new Date(),
        authorizerType: 'CUSTOM_JWT',
        authorizerConfiguration: {
          customJWTAuthorizer: {
            discoveryUrl: 'https://idp.example.com/.well-known/openid-configuration',
            allowedAudience: ['api'],
          },
        },
        webAclArn: 'arn:aws:wafv2:us-east-1:111122223333:regional/webacl/a/b',
        wafConfiguration: { failureMode: 'FAIL_OPEN' },
        exceptionLevel: 'DEBUG',
        kmsKeyArn: 'arn:aws:kms:us-east-1:111122223333:key/k',
        policyEngineConfiguration: { arn: ENGINE, mode: 'LOG_ONLY' },
        interceptorConfigurations: [
          {
            interceptor: { lambda: { arn: 'arn:aws:lambda:us-east-1:1:function:f' } },
            interceptionPoints: ['REQUEST'],
            inputConfiguration: { passRequestHeaders: true },
          },
        ],
        customTransformConfiguration: {
          lambda: { arn: 'arn:aws:lambda:us-east-1:2:function:t' },
        } as never,
      },
      [
        {
          gatewayArn: ARN,
          targetId: 't1',
          name: 'crm',
          status: 'READY',
          createdAt: new Date(),
          updatedAt: new Date(),
          targetConfiguration: { mcp: { mcpServer: { endpoint: 'https://crm.example.com' } } },
          credentialProviderConfigurations: [
            {
              credentialProviderType: 'OAUTH',
              credentialProvider: {
                oauthCredentialProvider: { providerArn: 'p-oauth', scopes: [] },
              },
            },
          ],
        },
      ],
    );
    expect(posture).toEqual({
      gatewayId: 'gw-1',
      gatewayArn: ARN,
      name: 'orders',
      authorizerType: 'CUSTOM_JWT',
      jwt: {
        discoveryUrl: 'https://idp.example.com/.well-known/openid-configuration',
        allowedClients: [],
        allowedAudience: ['api'],
        allowedScopes: [],
      },
      webAclArn: 'arn:aws:wafv2:us-east-1:111122223333:regional/webacl/a/b',
      wafFailureMode: 'FAIL_OPEN',
      exceptionLevel: 'DEBUG',
      kmsKeyArn: 'arn:aws:kms:us-east-1:111122223333:key/k',
      policyEngine: { arn: ENGINE, mode: 'LOG_ONLY' },
      interceptors: [
        {
          lambdaArn: 'arn:aws:lambda:us-east-1:1:function:f',
          interceptionPoints: ['REQUEST'],
          passRequestHeaders: true,
        },
        {
          lambdaArn: 'arn:aws:lambda:us-east-1:2:function:t',
          interceptionPoints: ['TRANSFORM'],
          passRequestHeaders: false,
        },
      ],
      targets: [
        {
          targetId: 't1',
          name: 'crm',
          endpoints: [{ field: 'mcpServer endpoint', url: 'https://crm.example.com' }],
          providerArns: ['p-oauth'],
        },
      ],
      gaps: {},
    });
  });

  it.each([
    [
      'JSON',
      JSON.stringify({ servers: [{ url: 'http://a.example' }, { url: 'https://b.example' }] }),
      ['http://a.example', 'https://b.example'],
    ],
    [
      'YAML',
      "openapi: 3.0.0\nservers:\n  - url: 'http://a.example/v1'\n  - url: https://b.example # prod\n",
      ['http://a.example/v1', 'https://b.example'],
    ],
    ['JSON without servers', '{"openapi":"3.0.0"}', []],
  ])('reads OpenAPI servers from %s', (_, payload, urls) => {
    expect(openApiServers(payload)).toEqual(urls);
  });

  it('reads every page of targets and policies; a refused resource policy read is a gap', async () => {
    const { client, calls } = fakeClient({
      GetGateway: () => ({
        gatewayId: 'gw-1',
        gatewayArn: ARN,
        authorizerType: 'AWS_IAM',
        policyEngineConfiguration: { arn: ENGINE, mode: 'ENFORCE' },
      }),
      ListGatewayTargets: (input) =>
        input.nextToken === undefined
          ? { items: [{ targetId: 'a' }], nextToken: 'p2' }
          : { items: [{ targetId: 'b' }] },
      GetGatewayTarget: (input) => ({
        targetId: input.targetId,
        targetConfiguration: {
          mcp: { mcpServer: { endpoint: `https://${String(input.targetId)}.example` } },
        },
      }),
      GetPolicyEngine: () => ({ status: 'ACTIVE' }),
      ListPolicies: (input) =>
        input.nextToken === undefined
          ? { policies: [{ policyId: 'p-1', enforcementMode: 'ACTIVE' }], nextToken: 'n2' }
          : { policies: [{ policyId: 'p-2', enforcementMode: 'LOG_ONLY' }] },
    });
    const posture = await new AgentCorePostureReader(client).gateway('gw-1');
    expect(posture.targets.map((t) => t.targetId)).toEqual(['a', 'b']);
    expect(posture.policyEngine?.policies?.map((p) => p.policyId)).toEqual(['p-1', 'p-2']);
    expect(posture.gaps).toEqual({ resourcePolicy: 'AccessDeniedException' });
    expect(posture.resourcePolicy).toBeUndefined();
    expect(calls).toEqual(expect.arrayContaining(['ListGatewayTargets@p2', 'ListPolicies@n2']));
  });

  it('a gateway without a resource policy (ResourceNotFound) has none; a missing engine is null', async () => {
    const { client } = fakeClient({
      GetGateway: () => ({
        gatewayId: 'gw-1',
        gatewayArn: ARN,
        policyEngineConfiguration: { arn: ENGINE, mode: 'ENFORCE' },
      }),
      ListGatewayTargets: () => ({ items: [] }),
      GetResourcePolicy: () => {
        throw Object.assign(new Error('none'), { name: 'ResourceNotFoundException' });
      },
      GetPolicyEngine: () => {
        throw Object.assign(new Error('gone'), { name: 'ResourceNotFoundException' });
      },
    });
    const posture = await new AgentCorePostureReader(client).gateway('gw-1');
    expect(posture.resourcePolicy).toBeNull();
    expect(posture.policyEngine?.engine).toBeNull();
    expect(posture.gaps).toEqual({});
  });
});
