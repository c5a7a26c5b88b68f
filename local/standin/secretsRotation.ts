/**
 * `RotateSecret` as AWS answers it for a secret that already has a rotation function. TEST/DEMO
 * COMPONENT — not product code. Without `RotationLambdaARN` in the request, AWS rotates with
 * the function the secret is configured with; moto instead forgets the function and labels the
 * new, still empty version AWSCURRENT — a secret with no current value and no rotation
 * function after one on-demand rotation (e.g. the rotateNow function's). This route adds the
 * configured function to such a request and lets moto do the rest (it never runs the function:
 * the new version stays AWSPENDING, as on AWS until the function's steps run). With
 * `RotateImmediately: false` AWS only runs testSecret and drops the pending version it made:
 * so does this route. Other requests go to moto unchanged.
 */
import {
  DescribeSecretCommand,
  RotateSecretCommand,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
  type RotateSecretCommandInput,
} from '@aws-sdk/client-secrets-manager';
import type { FrontRequest, StandinContext, StandinRoute } from './context.js';
import { awsJson, awsJsonErrorFromMoto, type StandinResponse } from './http.js';

async function rotateWithConfiguredFunction(
  request: FrontRequest,
  context: StandinContext,
): Promise<StandinResponse> {
  const input = request.aws.params as unknown as RotateSecretCommandInput;
  const sm = context.motoClient(SecretsManagerClient, request);
  try {
    const described = await sm.send(new DescribeSecretCommand({ SecretId: input.SecretId }));
    const out = await sm.send(
      new RotateSecretCommand({
        ...input,
        ...(!input.RotationLambdaARN && described.RotationLambdaARN
          ? { RotationLambdaARN: described.RotationLambdaARN }
          : {}),
      }),
    );
    if (input.RotateImmediately === false) {
      // AWS only tests the configuration then, and removes the pending version it made; moto
      // leaves one behind (a copy of the current value), blocking the first rotation.
      const after = await sm.send(new DescribeSecretCommand({ SecretId: input.SecretId }));
      for (const [versionId, stages] of Object.entries(after.VersionIdsToStages ?? {})) {
        if (!stages.includes('AWSPENDING')) continue;
        await sm.send(
          new UpdateSecretVersionStageCommand({
            SecretId: input.SecretId,
            VersionStage: 'AWSPENDING',
            RemoveFromVersionId: versionId,
          }),
        );
      }
    }
    return awsJson({ ARN: out.ARN, Name: out.Name, VersionId: out.VersionId });
  } catch (error) {
    return awsJsonErrorFromMoto(error, {
      type: 'InvalidRequestException',
      message: 'RotateSecret failed',
    });
  }
}

export const rotateSecretRoute: StandinRoute = {
  name: 'secretsmanager:rotate',
  matches: (request) =>
    request.aws.service === 'secretsmanager' &&
    request.aws.operation === 'RotateSecret' &&
    typeof request.aws.params.SecretId === 'string' &&
    (request.aws.params.RotationLambdaARN === undefined ||
      request.aws.params.RotateImmediately === false),
  handle: rotateWithConfiguredFunction,
};
