/**
 * Provider values in Secrets Manager on moto, through the real SDK: MANAGED values in a
 * service-named secret, EXTERNAL values read from the customer's secret (`jsonKey`,
 * AWSCURRENT). Errors name the secret, never its value.
 */
import {
  SecretsManagerClient,
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
} from '@aws-sdk/client-secrets-manager';
import type { FrontRequest, StandinContext } from '../context.js';
import { StandinError, validation } from '../http.js';
import type { SecretLocation } from './registry.js';

/** The principal AgentCore Identity reads a customer's (EXTERNAL) secret as. */
export const AGENTCORE_SERVICE_PRINCIPAL = 'bedrock-agentcore.amazonaws.com';

/** JSON keys inside MANAGED secrets (AgentCore's own key names are not documented). */
export const MANAGED_JSON_KEY = { apikey: 'api_key', oauth2: 'client_secret' } as const;

/** The tag AWS puts on a secret a service owns (REFERENCE: managed provider secrets). */
export const OWNING_SERVICE_TAG = {
  Key: 'aws:secretsmanager:owningService',
  Value: 'bedrock-agentcore-identity',
};

const MANAGED_PREFIX = 'bedrock-agentcore-identity!';

/** The operation names of the Secrets Manager commands the control plane sends. */
const OPERATIONS = new Map<unknown, string>([
  [CreateSecretCommand, 'CreateSecret'],
  [PutSecretValueCommand, 'PutSecretValue'],
  [DeleteSecretCommand, 'DeleteSecret'],
  [DescribeSecretCommand, 'DescribeSecret'],
  [GetSecretValueCommand, 'GetSecretValue'],
]);

/**
 * The control plane's Secrets Manager client: a call on a MANAGED provider secret is made with
 * the caller's rights, as AgentCore Identity makes it (a forward access session:
 * `aws:ViaAWSService`, `aws:CalledVia` = bedrock-agentcore), and the local IAM decides it; a
 * refusal is the caller's AccessDeniedException. Calls on other secrets go to moto as before.
 */
export function secretsAsCaller(
  context: StandinContext,
  request: FrontRequest,
): SecretsManagerClient {
  const client = context.motoClient(SecretsManagerClient, request);
  const send = async (command: { input: Record<string, unknown> }): Promise<unknown> => {
    const target = String(command.input.SecretId ?? command.input.Name ?? '');
    const managed =
      target.startsWith(MANAGED_PREFIX) || target.includes(`:secret:${MANAGED_PREFIX}`);
    if (managed && request.aws.accessKeyId) {
      const operation = OPERATIONS.get(command.constructor);
      if (!operation)
        throw new Error('the stand-in sent a Secrets Manager command it does not name');
      await context.authorizeServiceCall({
        service: AGENTCORE_SERVICE_PRINCIPAL,
        sourceArn: target,
        signingName: 'secretsmanager',
        operation,
        region: request.aws.region,
        params: command.input,
        onBehalfOf: request.aws.accessKeyId,
      });
    }
    return (client.send as (command: unknown) => Promise<unknown>)(command);
  };
  return new Proxy(client, {
    get: (target, property, receiver) =>
      property === 'send' ? send : (Reflect.get(target, property, receiver) as unknown),
  });
}

/** Creates (or, if a leftover exists, overwrites) the managed secret; returns its ARN. */
export async function writeManagedSecret(
  client: SecretsManagerClient,
  name: string,
  jsonKey: string,
  value: string,
): Promise<string> {
  const secretString = JSON.stringify({ [jsonKey]: value });
  try {
    const created = await client.send(
      new CreateSecretCommand({
        Name: name,
        SecretString: secretString,
        Description: 'Managed by Amazon Bedrock AgentCore Identity (local stand-in)',
        Tags: [OWNING_SERVICE_TAG],
      }),
    );
    return requireArn(created.ARN, name);
  } catch (error) {
    if (!(error instanceof ResourceExistsException)) throw error;
    const put = await client.send(
      new PutSecretValueCommand({ SecretId: name, SecretString: secretString }),
    );
    return requireArn(put.ARN, name);
  }
}

/** Stores a new value as AWSCURRENT of an existing managed secret. */
export async function updateManagedSecret(
  client: SecretsManagerClient,
  location: SecretLocation,
  value: string,
): Promise<void> {
  await client.send(
    new PutSecretValueCommand({
      SecretId: location.secretArn,
      SecretString: JSON.stringify({ [location.jsonKey]: value }),
    }),
  );
}

export async function deleteManagedSecret(
  client: SecretsManagerClient,
  location: SecretLocation | undefined,
): Promise<void> {
  if (location?.source !== 'MANAGED') return;
  try {
    await client.send(
      new DeleteSecretCommand({ SecretId: location.secretArn, ForceDeleteWithoutRecovery: true }),
    );
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
  }
}

/** Resolves an EXTERNAL secret reference to its ARN; a missing secret is a ValidationException. */
export async function externalSecretArn(
  client: SecretsManagerClient,
  secretId: string,
): Promise<string> {
  try {
    const described = await client.send(new DescribeSecretCommand({ SecretId: secretId }));
    return requireArn(described.ARN, secretId);
  } catch (error) {
    if (error instanceof ResourceNotFoundException) {
      throw validation(`secret ${secretId} referenced by the credential provider does not exist`);
    }
    throw error;
  }
}

/**
 * A provider's current value as the data plane reads it. An EXTERNAL secret is the customer's:
 * AgentCore Identity reads it as its service principal for that provider (`aws:SourceArn` =
 * the provider's ARN), so the secret's policy and its key's policy decide, as on AWS. A MANAGED
 * secret is the service's own.
 */
export async function readProviderValue(
  context: StandinContext,
  request: FrontRequest,
  provider: { arn: string; secret: SecretLocation },
): Promise<string> {
  if (provider.secret.source === 'EXTERNAL') {
    await context.authorizeServiceCall({
      service: AGENTCORE_SERVICE_PRINCIPAL,
      sourceArn: provider.arn,
      signingName: 'secretsmanager',
      operation: 'GetSecretValue',
      region: request.aws.region,
      params: { SecretId: provider.secret.secretArn, VersionStage: 'AWSCURRENT' },
    });
  }
  return readCurrentValue(context.motoClient(SecretsManagerClient, request), provider.secret);
}

/** The provider's current value: AWSCURRENT of its secret, the string under `jsonKey`. */
export async function readCurrentValue(
  client: SecretsManagerClient,
  location: SecretLocation,
): Promise<string> {
  let secretString: string | undefined;
  try {
    const current = await client.send(
      new GetSecretValueCommand({ SecretId: location.secretArn, VersionStage: 'AWSCURRENT' }),
    );
    secretString = current.SecretString;
  } catch (error) {
    if (error instanceof ResourceNotFoundException) {
      throw new StandinError(
        404,
        'ResourceNotFoundException',
        `secret ${location.secretArn} of the credential provider was not found`,
      );
    }
    throw error;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(secretString ?? '');
  } catch {
    throw validation(`secret ${location.secretArn} does not hold a JSON object`);
  }
  const value =
    parsed && typeof parsed === 'object'
      ? (parsed as Record<string, unknown>)[location.jsonKey]
      : undefined;
  if (typeof value !== 'string' || value === '') {
    throw validation(`secret ${location.secretArn} has no string under key ${location.jsonKey}`);
  }
  return value;
}

function requireArn(arn: string | undefined, name: string): string {
  if (!arn) throw new Error(`Secrets Manager returned no ARN for ${name}`);
  return arn;
}
