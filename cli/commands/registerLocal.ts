import { ENV } from '../../lib/shared/env.js';
import type { RegisterFlags } from './register.js';
import { endpointIsLocal } from './rotate.js';

/**
 * On the local stack, with no rotate function named, registers a stand-in function in moto's
 * Lambda (moto checks that a rotation function exists, and never runs it: `gatewarden rotate`
 * drives the steps in-process there) and uses its role as the rotator. Says so on stderr.
 */
export async function withLocalDefaults(
  flags: RegisterFlags,
  env: NodeJS.ProcessEnv,
): Promise<NodeJS.ProcessEnv> {
  if (flags.rotationLambda || env[ENV.rotationFunctionArn] || !endpointIsLocal(env)) return env;
  const local = await localRotationFunction({ region: env.AWS_REGION ?? 'us-east-1' });
  process.stderr.write(
    `gatewarden: local stack detected — using the stand-in rotate function ${local.functionArn} (moto never runs it; \`gatewarden rotate\` runs the steps in-process)\n`,
  );
  const sweeper =
    env[ENV.sweeperRoleArn] ?? (await localFunctionRole('gatewarden-local-rotateNow'));
  return {
    ...env,
    [ENV.rotationFunctionArn]: local.functionArn,
    [ENV.rotatorRoleArn]: env[ENV.rotatorRoleArn] ?? local.roleArn,
    ...(sweeper ? { [ENV.sweeperRoleArn]: sweeper } : {}),
  };
}

/** The role of a function of the deployed local stage, when it is deployed. */
async function localFunctionRole(name: string): Promise<string | undefined> {
  const { GetFunctionCommand, LambdaClient } = await import('@aws-sdk/client-lambda');
  const got = await new LambdaClient({ maxAttempts: 1 })
    .send(new GetFunctionCommand({ FunctionName: name }))
    .catch(() => undefined);
  return got?.Configuration?.Role;
}

/**
 * A stand-in `rotate` function in the local stack's Lambda (an empty package that never runs),
 * so RotateSecret accepts its ARN. Idempotent.
 */
export async function localRotationFunction(
  config: { region: string; maxAttempts?: number },
  name = 'gatewarden-local-rotate',
): Promise<{ functionArn: string; roleArn: string }> {
  const [
    { CreateFunctionCommand, GetFunctionCommand, LambdaClient },
    { CreateRoleCommand, GetRoleCommand, IAMClient },
  ] = await Promise.all([import('@aws-sdk/client-lambda'), import('@aws-sdk/client-iam')]);
  const lambda = new LambdaClient(config);
  const iam = new IAMClient(config);
  const roleName = `${name}-role`;
  const role = await iam.send(new GetRoleCommand({ RoleName: roleName })).catch(() =>
    iam.send(
      new CreateRoleCommand({
        RoleName: roleName,
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { Service: 'lambda.amazonaws.com' },
              Action: 'sts:AssumeRole',
            },
          ],
        }),
      }),
    ),
  );
  const roleArn = role.Role?.Arn ?? '';
  const existing = await lambda
    .send(new GetFunctionCommand({ FunctionName: name }))
    .catch((error: unknown) => {
      if ((error as { name?: string }).name === 'ResourceNotFoundException') return undefined;
      throw error;
    });
  let functionArn = existing?.Configuration?.FunctionArn;
  if (!functionArn) {
    const emptyZip = Uint8Array.from([0x50, 0x4b, 0x05, 0x06, ...new Array<number>(18).fill(0)]);
    const created = await lambda
      .send(
        new CreateFunctionCommand({
          FunctionName: name,
          Role: roleArn,
          Runtime: 'nodejs22.x',
          Handler: 'rotate.handler',
          Code: { ZipFile: emptyZip },
        }),
      )
      .catch(async (error: unknown) => {
        // Created concurrently by another process.
        if ((error as { name?: string }).name !== 'ResourceConflictException') throw error;
        return (await lambda.send(new GetFunctionCommand({ FunctionName: name }))).Configuration;
      });
    functionArn = created?.FunctionArn;
  }
  if (!functionArn || !roleArn)
    throw new Error('could not set up the local stand-in rotate function');
  // A deployed local stage's function runs as its own role (resources/role-rotate.yml).
  return { functionArn, roleArn: existing?.Configuration?.Role ?? roleArn };
}
