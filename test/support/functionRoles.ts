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

/** The deployed function's ARN and execution role (`gatewarden-local-<fn>`). */
export async function deployedFunction(
  fn: LocalFunctionName,
): Promise<{ functionArn: string; roleArn: string }> {
  const config = await localClient(LambdaClient).send(
    new GetFunctionConfigurationCommand({ FunctionName: `gatewarden-local-${fn}` }),
  );
  if (!config.FunctionArn || !config.Role)
    throw new Error(`gatewarden-local-${fn} is not deployed on the local stack`);
  return { functionArn: config.FunctionArn, roleArn: config.Role };
}

/** The gatewarden variables the deployed function is configured with (table, keys, topic, bus). */
export async function deployedEnvironment(fn: LocalFunctionName): Promise<Record<string, string>> {
  const config = await localClient(LambdaClient).send(
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
 * `withClientCredentials` around code that builds its clients with `clientConfig()`.
 */
export async function functionCredentials(fn: LocalFunctionName): Promise<ClientCredentials> {
  const session = await functionRoleSession(localStack().endpoint, `gatewarden-local-${fn}`);
  return {
    accessKeyId: session.accessKeyId,
    secretAccessKey: session.secretAccessKey,
    sessionToken: session.sessionToken,
  };
}
