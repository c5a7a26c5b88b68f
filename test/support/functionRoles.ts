/**
 * The deployed local stage's functions as integration tests need them: the product code under
 * test runs as its function's role (the shared stack enforces IAM), while set-up stays the
 * stack's admin. Roles and ARNs come from the deployment, never from a test's own guess.
 */
import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import type { ClientCredentials } from '../../lib/aws/clients.js';
import { functionRoleSession } from '../../local/functionRole.js';
import { localClient, localStack } from './localStack.js';

/** The local stack's admin: moto's default user (`testing` keys), set-up and break-glass. */
export const ADMIN_ARN = 'arn:aws:iam::123456789012:user/moto';

export type LocalFunctionName = 'rotate' | 'rotateNow' | 'detect' | 'report';

/**
 * Where the stage is deployed: the stack's own account (its admin's keys) unless `as` gives
 * the credentials of an administrator of another account (a central stage in an organization's
 * security account).
 */
const lambdaOf = (as?: ClientCredentials) =>
  as
    ? new LambdaClient({ region: localStack().region, maxAttempts: 1, credentials: as })
    : localClient(LambdaClient);

/** The deployed function's ARN and execution role (`gatewarden-local-<fn>`). */
export async function deployedFunction(
  fn: LocalFunctionName,
  as?: ClientCredentials,
): Promise<{ functionArn: string; roleArn: string }> {
  const config = await lambdaOf(as).send(
    new GetFunctionConfigurationCommand({ FunctionName: `gatewarden-local-${fn}` }),
  );
  if (!config.FunctionArn || !config.Role)
    throw new Error(`gatewarden-local-${fn} is not deployed on the local stack`);
  return { functionArn: config.FunctionArn, roleArn: config.Role };
}

/** The gatewarden variables the deployed function is configured with (table, keys, topic, bus). */
export async function deployedEnvironment(
  fn: LocalFunctionName,
  as?: ClientCredentials,
): Promise<Record<string, string>> {
  const config = await lambdaOf(as).send(
    new GetFunctionConfigurationCommand({ FunctionName: `gatewarden-local-${fn}` }),
  );
  return Object.fromEntries(
    Object.entries(config.Environment?.Variables ?? {}).filter(([key]) =>
      key.startsWith('GATEWARDEN_'),
    ),
  );
}

/**
 * Credentials of the deployed function's role session, as Lambda gets them (the front checks
 * the role's trust policy first). For clients made with `credentials`, or for
 * `withClientCredentials` around code that builds its clients with `clientConfig()`. With
 * `as`, the function of that administrator's account (asked for with its credentials).
 */
export async function functionCredentials(
  fn: LocalFunctionName,
  as?: ClientCredentials,
): Promise<ClientCredentials> {
  const session = await functionRoleSession(
    localStack().endpoint,
    `gatewarden-local-${fn}`,
    as
      ? {
          AWS_ACCESS_KEY_ID: as.accessKeyId,
          AWS_SECRET_ACCESS_KEY: as.secretAccessKey,
          ...(as.sessionToken ? { AWS_SESSION_TOKEN: as.sessionToken } : {}),
        }
      : process.env,
  );
  return {
    accessKeyId: session.accessKeyId,
    secretAccessKey: session.secretAccessKey,
    sessionToken: session.sessionToken,
  };
}
