import { CreateRoleCommand, GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateFunctionCommand, GetFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';

/**
 * A stand-in `rotate` function registered in moto's Lambda, so `RotateSecret` accepts its ARN
 * (moto checks the function exists; it never really runs it, which is why the CLI drives the
 * steps in-process locally). Idempotent; returns the function ARN.
 */
export async function ensureLocalRotationFunction(
  config: { region: string; maxAttempts?: number },
  name = 'gatewarden-local-rotate',
): Promise<string> {
  const lambda = new LambdaClient(config);
  try {
    const existing = await lambda.send(new GetFunctionCommand({ FunctionName: name }));
    if (existing.Configuration?.FunctionArn) return existing.Configuration.FunctionArn;
  } catch (error) {
    if ((error as { name?: string }).name !== 'ResourceNotFoundException') throw error;
  }
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
  // An empty zip archive: the code is never executed.
  const emptyZip = Buffer.from([0x50, 0x4b, 0x05, 0x06, ...new Array<number>(18).fill(0)]);
  const created = await lambda
    .send(
      new CreateFunctionCommand({
        FunctionName: name,
        Role: role.Role?.Arn,
        Runtime: 'nodejs22.x',
        Handler: 'rotate.handler',
        Code: { ZipFile: emptyZip },
      }),
    )
    .catch(async (error: unknown) => {
      // Another test file created it in the meantime.
      if ((error as { name?: string }).name !== 'ResourceConflictException') throw error;
      return (await lambda.send(new GetFunctionCommand({ FunctionName: name }))).Configuration;
    });
  const arn = created?.FunctionArn;
  if (!arn) throw new Error('could not create the local rotation function');
  return arn;
}
