import { ENV } from '../shared/env.js';

/**
 * A deployed stage's stack outputs as the `GATEWARDEN_*` variables the CLI reads, so that
 * `eval "$(npx gatewarden env --stage prod)"` sets a shell up for register, rotate, doctor and
 * report against that stage.
 */
const OUTPUT_TO_ENV: Record<string, string> = {
  StateTableName: ENV.stateTable,
  RotateFunctionArn: ENV.rotationFunctionArn,
  RotatorRoleArn: ENV.rotatorRoleArn,
  SweeperRoleArn: ENV.sweeperRoleArn,
  AdminRoleArn: ENV.adminRoleArn,
  SecretsKmsKeyArn: ENV.secretsKmsKeyId,
  AlertTopicArn: ENV.alertTopicArn,
  EventBusName: ENV.eventBusName,
  ReportBucketName: ENV.reportBucket,
  DeadLetterQueueUrl: ENV.deadLetterQueueUrl,
};

/** The stack of a stage, as `serverless deploy` names it. */
export function stackNameOf(stage: string): string {
  return `gatewarden-${stage}`;
}

/** Variables for a stage's outputs; outputs gatewarden does not read are left out. */
export function stageEnv(
  stage: string,
  region: string,
  outputs: Record<string, string>,
): Record<string, string> {
  const env: Record<string, string> = { AWS_REGION: region, [ENV.stage]: stage };
  for (const [output, name] of Object.entries(OUTPUT_TO_ENV)) {
    const value = outputs[output];
    if (value !== undefined && value !== '') env[name] = value;
  }
  return env;
}

/** Outputs every stage has; their absence means the stack is not gatewarden's or is broken. */
export const REQUIRED_OUTPUTS = ['StateTableName', 'RotateFunctionArn', 'RotatorRoleArn'];
