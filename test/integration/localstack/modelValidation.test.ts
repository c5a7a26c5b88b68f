/**
 * The stand-in routes against the official service models, through the real SDK v3 clients:
 * requests the model refuses come back as the service's validation error (the SDK validates
 * none of these constraints itself, so it sends them), valid flows still pass, and every raw
 * response — success or error — carries the members its model requires.
 */
import {
  AccessAnalyzerClient,
  ValidatePolicyCommand,
  ValidationException as AccessAnalyzerValidationException,
  type PolicyType,
} from '@aws-sdk/client-accessanalyzer';
import {
  BedrockAgentCoreClient,
  GetResourceApiKeyCommand,
  GetResourceOauth2TokenCommand,
  GetWorkloadAccessTokenCommand,
  GetWorkloadAccessTokenForJWTCommand,
  ValidationException as DataValidationException,
} from '@aws-sdk/client-bedrock-agentcore';
import {
  BedrockAgentCoreControlClient,
  CreateApiKeyCredentialProviderCommand,
  CreateWorkloadIdentityCommand,
  DeleteApiKeyCredentialProviderCommand,
  GetApiKeyCredentialProviderCommand,
  GetOauth2CredentialProviderCommand,
  GetTokenVaultCommand,
  GetWorkloadIdentityCommand,
  ListApiKeyCredentialProvidersCommand,
  ListOauth2CredentialProvidersCommand,
  ListTagsForResourceCommand,
  ListWorkloadIdentitiesCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateWorkloadIdentityCommand,
  ValidationException as ControlValidationException,
} from '@aws-sdk/client-bedrock-agentcore-control';
import { CloudTrailClient, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import {
  AddUserPoolClientSecretCommand,
  CognitoIdentityProviderClient,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  DeleteUserPoolClientSecretCommand,
  InvalidParameterException,
  ListUserPoolClientSecretsCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import type { MiddlewareStack } from '@smithy/types';
import { missingResponseMembers, serviceModel } from '../../../local/standin/model/index.js';
import { createLocalOAuth2Provider } from '../../support/agentcore.js';
import { DEMO_CLIENTS, testClientConfig, uniqueName } from '../../support/localStack.js';

interface RawResponse {
  model: string;
  operation: string;
  status: number;
  headers: Record<string, string>;
  body: string;
}

const captured: RawResponse[] = [];

async function bytesOf(body: unknown): Promise<Uint8Array> {
  if (body instanceof Uint8Array) return body;
  const chunks: Buffer[] = [];
  for await (const chunk of body as AsyncIterable<Buffer | string>) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

/**
 * Keeps a copy of every raw HTTP response a client receives. It sits inside the deserializer
 * (deserialize step, low priority), so it reads the body first and hands the bytes on.
 */
function captureResponses<I extends object, O extends object>(
  stack: MiddlewareStack<I, O>,
  model: string,
): void {
  stack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      const response = result.response as {
        statusCode: number;
        headers: Record<string, string>;
        body: unknown;
      };
      const bytes = await bytesOf(response.body);
      response.body = bytes;
      captured.push({
        model,
        operation: String(context.commandName).replace(/Command$/, ''),
        status: response.statusCode,
        headers: response.headers,
        body: Buffer.from(bytes).toString('utf8'),
      });
      return result;
    },
    { step: 'deserialize', priority: 'low', name: 'gatewardenCaptureRawResponse' },
  );
}

const control = new BedrockAgentCoreControlClient(testClientConfig());
const data = new BedrockAgentCoreClient(testClientConfig());
const cloudtrail = new CloudTrailClient(testClientConfig());
const analyzer = new AccessAnalyzerClient(testClientConfig());
const cognito = new CognitoIdentityProviderClient(testClientConfig());
captureResponses(control.middlewareStack, 'bedrock-agentcore-control');
captureResponses(data.middlewareStack, 'bedrock-agentcore');
captureResponses(cloudtrail.middlewareStack, 'cloudtrail');
captureResponses(analyzer.middlewareStack, 'accessanalyzer');
captureResponses(cognito.middlewareStack, 'cognito-idp');

/** What a rejected call failed with (the test fails if it did not fail). */
async function failure(call: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await call;
  } catch (error) {
    return error as Error & Record<string, unknown>;
  }
  throw new Error('the call succeeded');
}

describe('local stack: stand-in requests are validated against the service models', () => {
  it('AgentCore control plane: ValidationException with reason and field list', async () => {
    // Act
    const badName = await failure(
      control.send(new CreateApiKeyCredentialProviderCommand({ name: 'bad name!', apiKey: 'k' })),
    );
    const tooMany = await failure(
      control.send(new ListWorkloadIdentitiesCommand({ maxResults: 21 })),
    );
    // Assess
    expect(badName).toBeInstanceOf(ControlValidationException);
    expect(badName.message).toBe(
      "1 validation error detected: Value 'bad name!' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9\\-_]+",
    );
    expect(badName).toMatchObject({
      reason: 'FieldValidationFailed',
      fieldList: [{ name: 'name', message: expect.stringContaining('regular expression') }],
      $metadata: { httpStatusCode: 400 },
    });
    expect(tooMany).toBeInstanceOf(ControlValidationException);
    expect(tooMany.message).toContain(
      "Value '21' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 20",
    );
  });

  it('AgentCore data plane: ValidationException, never echoing a sensitive value', async () => {
    // Prepare: a real workload token, so the front's IAM step lets the calls reach the model check.
    const workloadName = uniqueName('gw-test-model-wl');
    await control.send(new CreateWorkloadIdentityCommand({ name: workloadName }));
    const { workloadAccessToken } = await data.send(
      new GetWorkloadAccessTokenCommand({ workloadName }),
    );
    const canary = `canary!!!${uniqueName('user-token')}`;
    // Act
    const badName = await failure(
      data.send(
        new GetResourceApiKeyCommand({
          workloadIdentityToken: workloadAccessToken,
          resourceCredentialProviderName: 'not valid',
        }),
      ),
    );
    const badUserToken = await failure(
      data.send(new GetWorkloadAccessTokenForJWTCommand({ workloadName, userToken: canary })),
    );
    const short = await failure(
      data.send(new GetWorkloadAccessTokenCommand({ workloadName: 'ab' })),
    );
    // Assess
    expect(badName).toBeInstanceOf(DataValidationException);
    expect(badName.message).toContain("Value 'not valid' at 'resourceCredentialProviderName'");
    expect(badUserToken).toBeInstanceOf(DataValidationException);
    expect(badUserToken.message).toContain(
      "Value '***' at 'userToken' failed to satisfy constraint: Member must satisfy regular expression pattern",
    );
    const everything = JSON.stringify(captured);
    expect(everything).not.toContain(canary);
    expect(everything.split(workloadAccessToken ?? '-').length).toBe(2); // only its own answer
    expect(short).toBeInstanceOf(DataValidationException);
    expect(short.message).toContain('Member must have length greater than or equal to 3');
  });

  it('CloudTrail LookupEvents: ValidationException (awsJson1.1)', async () => {
    const tooMany = await failure(cloudtrail.send(new LookupEventsCommand({ MaxResults: 51 })));
    const badKey = await failure(
      cloudtrail.send(
        new LookupEventsCommand({
          LookupAttributes: [
            { AttributeKey: 'Bogus' as 'EventName', AttributeValue: 'CreateSecret' },
          ],
        }),
      ),
    );
    expect(tooMany).toMatchObject({
      name: 'ValidationException',
      $metadata: { httpStatusCode: 400 },
    });
    expect(tooMany.message).toContain("Value '51' at 'maxResults'");
    expect(badKey).toMatchObject({ name: 'ValidationException' });
    expect(badKey.message).toContain(
      "Value 'Bogus' at 'lookupAttributes.1.member.attributeKey' failed to satisfy constraint: Member must satisfy enum value set",
    );
  });

  it('Access Analyzer ValidatePolicy: ValidationException with its own reason spelling', async () => {
    const error = await failure(
      analyzer.send(
        new ValidatePolicyCommand({
          policyDocument: '{}',
          policyType: 'USER_POLICY' as PolicyType,
        }),
      ),
    );
    expect(error).toBeInstanceOf(AccessAnalyzerValidationException);
    expect(error).toMatchObject({ reason: 'fieldValidationFailed' });
    expect(error.message).toContain("Value 'USER_POLICY' at 'policyType'");
  });

  it('Cognito client secrets: InvalidParameterException, as Cognito reports constraint violations', async () => {
    const error = await failure(
      cognito.send(
        new AddUserPoolClientSecretCommand({
          UserPoolId: 'not-a-pool',
          ClientId: 'no-such-client',
        }),
      ),
    );
    expect(error).toBeInstanceOf(InvalidParameterException);
    expect(error.message).toBe(
      "2 validation errors detected: Value 'not-a-pool' at 'userPoolId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w-]+_[0-9a-zA-Z]+; " +
        "Value '***' at 'clientId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+]+",
    );
  });

  it('valid flows still pass on every stand-in service', async () => {
    // AgentCore control plane.
    const providerName = uniqueName('gw-test-model-key');
    const created = await control.send(
      new CreateApiKeyCredentialProviderCommand({ name: providerName, apiKey: 'model-key' }),
    );
    await control.send(new GetApiKeyCredentialProviderCommand({ name: providerName }));
    await control.send(new ListApiKeyCredentialProvidersCommand({ maxResults: 5 }));
    const arn = created.credentialProviderArn ?? '';
    await control.send(
      new TagResourceCommand({ resourceArn: arn, tags: { 'gatewarden:rotated': 'true' } }),
    );
    const tagged = await control.send(new ListTagsForResourceCommand({ resourceArn: arn }));
    expect(tagged.tags).toEqual({ 'gatewarden:rotated': 'true' });
    await control.send(
      new UntagResourceCommand({ resourceArn: arn, tagKeys: ['gatewarden:rotated'] }),
    );
    const oauthName = uniqueName('gw-test-model-oauth');
    await createLocalOAuth2Provider(control, oauthName, {
      clientId: DEMO_CLIENTS[1].client_id,
      clientSecret: DEMO_CLIENTS[1].client_secret,
    });
    await control.send(new GetOauth2CredentialProviderCommand({ name: oauthName }));
    await control.send(new ListOauth2CredentialProvidersCommand({ maxResults: 20 }));
    const workloadName = uniqueName('gw-test-model-workload');
    await control.send(new CreateWorkloadIdentityCommand({ name: workloadName }));
    await control.send(
      new UpdateWorkloadIdentityCommand({
        name: workloadName,
        allowedResourceOauth2ReturnUrls: ['https://example.com/back'],
      }),
    );
    await control.send(new GetWorkloadIdentityCommand({ name: workloadName }));
    await control.send(new GetTokenVaultCommand({}));

    // AgentCore data plane.
    const { workloadAccessToken } = await data.send(
      new GetWorkloadAccessTokenCommand({ workloadName }),
    );
    const { apiKey } = await data.send(
      new GetResourceApiKeyCommand({
        workloadIdentityToken: workloadAccessToken,
        resourceCredentialProviderName: providerName,
      }),
    );
    expect(apiKey).toBe('model-key');
    const { accessToken } = await data.send(
      new GetResourceOauth2TokenCommand({
        workloadIdentityToken: workloadAccessToken,
        resourceCredentialProviderName: oauthName,
        scopes: ['tools:call'],
        oauth2Flow: 'M2M',
      }),
    );
    expect(accessToken).toBeTruthy();
    await control.send(new DeleteApiKeyCredentialProviderCommand({ name: providerName }));

    // CloudTrail: the calls above are recorded.
    const events = await cloudtrail.send(
      new LookupEventsCommand({
        LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'CreateWorkloadIdentity' }],
        MaxResults: 5,
      }),
    );
    expect(events.Events?.length).toBeGreaterThan(0);

    // Access Analyzer.
    const validated = await analyzer.send(
      new ValidatePolicyCommand({
        policyType: 'IDENTITY_POLICY',
        policyDocument: JSON.stringify({
          Statement: [{ Effect: 'Allow', Action: ['iam:PassRole', 'iam:PassRole'], Resource: '*' }],
        }),
      }),
    );
    expect(validated.findings?.map((finding) => finding.issueCode).sort()).toEqual([
      'MISSING_VERSION',
      'PASS_ROLE_WITH_STAR_IN_RESOURCE',
      'REDUNDANT_ACTION',
    ]);

    // Cognito client secrets (the pool and client live on moto).
    const pool = await cognito.send(
      new CreateUserPoolCommand({ PoolName: uniqueName('gw-test-model') }),
    );
    const UserPoolId = pool.UserPool?.Id ?? '';
    const appClient = await cognito.send(
      new CreateUserPoolClientCommand({ UserPoolId, ClientName: 'model', GenerateSecret: true }),
    );
    const ClientId = appClient.UserPoolClient?.ClientId ?? '';
    const added = await cognito.send(new AddUserPoolClientSecretCommand({ UserPoolId, ClientId }));
    expect(added.ClientSecretDescriptor?.ClientSecretValue).toMatch(/^[\w+]{24,64}$/);
    const listed = await cognito.send(
      new ListUserPoolClientSecretsCommand({ UserPoolId, ClientId }),
    );
    expect(listed.ClientSecrets).toHaveLength(2);
    await cognito.send(
      new DeleteUserPoolClientSecretCommand({
        UserPoolId,
        ClientId,
        ClientSecretId: added.ClientSecretDescriptor?.ClientSecretId,
      }),
    );
  });

  it('every raw stand-in response carried the members its model requires', () => {
    // Responses to the calls of the tests above, errors included (moto's CreateUserPool* aside).
    const standin = captured.filter((raw) => !raw.operation.startsWith('CreateUserPool'));
    expect(standin.length).toBeGreaterThan(20);
    const lacking = standin.flatMap((raw) => {
      const model = serviceModel(raw.model);
      const operation = model.operations[raw.operation];
      if (!operation) return [`${raw.model} has no operation ${raw.operation}`];
      return missingResponseMembers(model, { operation, labels: {} }, raw).map(
        (member) => `${raw.operation} (${raw.status}): ${member}`,
      );
    });
    expect(lacking).toEqual([]);
  });
});
