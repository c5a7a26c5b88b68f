/**
 * Ports for on-demand rotation and registration: the Secrets Manager control operations the
 * CLI and the `rotateNow` function need (the rotation steps themselves use the engine's
 * SecretStore). `lib/aws/rotationControl.ts` implements them with the SDK;
 * `onDemandMemory.ts` in memory for unit tests.
 */

export interface RotationRules {
  automaticallyAfterDays?: number;
  scheduleExpression?: string;
  /** Window length, e.g. `3h`. */
  duration?: string;
}

/** What DescribeSecret says about a secret, without any value. */
export interface SecretStatus {
  arn: string;
  name: string;
  rotationEnabled: boolean;
  rotationLambdaArn?: string;
  rules?: RotationRules;
  /** Version id → staging labels (`VersionIdsToStages`). */
  versionStages: Record<string, string[]>;
  tags: Record<string, string>;
  lastRotatedDate?: string;
}

export interface SecretSummary {
  arn: string;
  name: string;
  tags: Record<string, string>;
}

export interface CreateSecretInput {
  name: string;
  value: string;
  description: string;
  kmsKeyId?: string;
  tags: Record<string, string>;
}

export interface RotationControl {
  /** Secrets carrying the tag `key=value` (exact match on both), or the key with any value. */
  findByTag(key: string, value: string | undefined): Promise<SecretSummary[]>;
  describe(secretId: string): Promise<SecretStatus>;
  /** RotateSecret with RotateImmediately (the configured rotation function runs the steps). */
  startRotation(secretId: string, clientRequestToken: string): Promise<{ versionId: string }>;
  /** RotateSecret that attaches the function and rules without rotating now. */
  enableRotation(
    secretId: string,
    input: { lambdaArn: string; rules: RotationRules },
  ): Promise<{ versionId?: string }>;
  createSecret(input: CreateSecretInput): Promise<{ arn: string; versionId?: string }>;
  putResourcePolicy(secretId: string, policy: string): Promise<void>;
  /** The AWSCURRENT (or given stage/version) SecretString; never logged. */
  getValue(secretId: string, select?: { versionId?: string; stage?: string }): Promise<string>;
  /** Removes a staging label from a version (UpdateSecretVersionStage). */
  removeStage(secretId: string, stage: string, versionId: string): Promise<void>;
}

/** AWS error names that mean "slow down". */
const THROTTLED =
  /^(Throttling|ThrottlingException|TooManyRequestsException|RequestLimitExceeded|LimitExceededException|ProvisionedThroughputExceeded)/;

/** True for throttling errors (by name or HTTP 429). */
export function isThrottling(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false;
  const name = (error as { name?: unknown }).name;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return status === 429 || (typeof name === 'string' && THROTTLED.test(name));
}
