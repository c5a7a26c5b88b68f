/**
 * The resource policy of a gatewarden secret. Two rules, each a Deny so that no identity
 * policy elsewhere in the account can widen them:
 * - readers only: the gateway's role, the rotator and extra readers named at registration may
 *   read the value; AgentCore Identity (its service principal) only for the one EXTERNAL
 *   provider registered with the secret (`aws:SourceArn`). No exemption for calls that merely
 *   pass through AgentCore (`aws:CalledVia`): any principal of the account could create a
 *   provider or a workload of its own and read through it;
 * - writers only: the value, its stages, its rotation function and schedule, its replicas, its
 *   existence and this policy itself change only through the rotator or the named admin role
 *   (break-glass: docs/threat-model.md).
 */
export const AGENTCORE_SERVICE = 'bedrock-agentcore.amazonaws.com';

/** Everything but the rotator and the admin role is refused these on a gatewarden secret. */
export const WRITE_ACTIONS = [
  'secretsmanager:PutSecretValue',
  'secretsmanager:UpdateSecret',
  'secretsmanager:CancelRotateSecret',
  'secretsmanager:PutResourcePolicy',
  'secretsmanager:DeleteResourcePolicy',
  'secretsmanager:TagResource',
  'secretsmanager:UntagResource',
  // Deleting (or restoring) the secret, and copying it to regions this policy does not govern.
  'secretsmanager:DeleteSecret',
  'secretsmanager:RestoreSecret',
  'secretsmanager:ReplicateSecretToRegions',
  'secretsmanager:RemoveRegionsFromReplication',
  'secretsmanager:StopReplicationToReplica',
] as const;

export interface SecretPolicyInput {
  /** Principals (role ARNs) allowed to read the value. */
  readers: readonly string[];
  /** Principals allowed to write it: the rotator's role and the admin role. */
  writers: readonly string[];
  /** The gatewarden rotate function: RotateSecret may not point the secret anywhere else. */
  rotationLambdaArn: string;
  /**
   * Besides the writers, who may move a version's stage: the sweep, which takes AWSPENDING off a
   * rotation nobody will finish (it writes no value).
   */
  stageMovers?: readonly string[];
  /**
   * ARN of the AgentCore credential provider that reads this secret (EXTERNAL source):
   * AgentCore Identity may read it as its service principal for that provider only
   * (`aws:SourceArn` and `aws:SourceAccount`). Another provider pointed at the same secret,
   * by anyone who may create one, is refused.
   */
  agentcoreProviderArn?: string;
}

/** Account of an ARN (its fifth field); refuses anything else, so no condition is empty. */
function accountOfArn(arn: string): string {
  const account = arn.split(':')[4] ?? '';
  if (!arn.startsWith('arn:') || !/^\d{12}$/.test(account)) {
    throw new Error(`not an AgentCore provider ARN: ${arn}`);
  }
  return account;
}

/**
 * The resource policy document (JSON) for one gatewarden secret: an Allow for the readers and
 * Denies that no identity policy can override. Readers and writers are role ARNs as
 * `aws:PrincipalArn` sees them (with their path); duplicates and order do not matter.
 */
export function secretResourcePolicy(input: SecretPolicyInput): string {
  const readers = [...new Set(input.readers)].sort();
  const writers = [...new Set(input.writers)].sort();
  if (readers.length === 0) throw new Error('a secret resource policy needs at least one reader');
  if (writers.length === 0) throw new Error('a secret resource policy needs at least one writer');
  const provider = input.agentcoreProviderArn
    ? { arn: input.agentcoreProviderArn, account: accountOfArn(input.agentcoreProviderArn) }
    : undefined;
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'ReadersMayRead',
        Effect: 'Allow',
        Principal: { AWS: readers },
        Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
        Resource: '*',
      },
      ...(provider
        ? [
            {
              Sid: 'AgentCoreIdentityReadsForTheProvider',
              Effect: 'Allow',
              Principal: { Service: AGENTCORE_SERVICE },
              Action: 'secretsmanager:GetSecretValue',
              Resource: '*',
              Condition: {
                StringEquals: {
                  'aws:SourceArn': provider.arn,
                  'aws:SourceAccount': provider.account,
                },
              },
            },
          ]
        : []),
      {
        Sid: 'NobodyElseReads',
        Effect: 'Deny',
        Principal: '*',
        Action: 'secretsmanager:GetSecretValue',
        Resource: '*',
        Condition: {
          StringNotEquals: { 'aws:PrincipalArn': readers },
          // AgentCore's own reads are judged by the next statement.
          ...(provider
            ? { StringNotEqualsIfExists: { 'aws:PrincipalServiceName': AGENTCORE_SERVICE } }
            : {}),
        },
      },
      ...(provider
        ? [
            {
              // A second provider pointed at this secret makes AgentCore read for another ARN.
              Sid: 'AgentCoreReadsOnlyForTheProvider',
              Effect: 'Deny',
              Principal: '*',
              Action: 'secretsmanager:GetSecretValue',
              Resource: '*',
              Condition: {
                StringEquals: { 'aws:PrincipalServiceName': AGENTCORE_SERVICE },
                StringNotEquals: { 'aws:SourceArn': provider.arn },
              },
            },
          ]
        : []),
      {
        Sid: 'OnlyRotatorAndAdminWrite',
        Effect: 'Deny',
        Principal: '*',
        Action: [...WRITE_ACTIONS],
        Resource: '*',
        Condition: { StringNotEquals: { 'aws:PrincipalArn': writers } },
      },
      {
        Sid: 'OnlyRotatorAdminAndSweepMoveStages',
        Effect: 'Deny',
        Principal: '*',
        Action: 'secretsmanager:UpdateSecretVersionStage',
        Resource: '*',
        Condition: {
          StringNotEquals: {
            'aws:PrincipalArn': [...new Set([...writers, ...(input.stageMovers ?? [])])].sort(),
          },
        },
      },
      ...(input.stageMovers && input.stageMovers.length > 0
        ? [
            {
              // The sweep takes AWSPENDING off an abandoned rotation; it may not move
              // AWSCURRENT (or any other stage) back to an older, possibly exposed, version.
              Sid: 'SweepMovesOnlyPending',
              Effect: 'Deny',
              Principal: '*',
              Action: 'secretsmanager:UpdateSecretVersionStage',
              Resource: '*',
              Condition: {
                StringNotEquals: {
                  'aws:PrincipalArn': writers,
                  'secretsmanager:VersionStage': 'AWSPENDING',
                },
              },
            },
          ]
        : []),
      {
        // RotateSecret itself stays open to on-demand callers; changing its function is not.
        Sid: 'RotationFunctionIsPinned',
        Effect: 'Deny',
        Principal: '*',
        Action: 'secretsmanager:RotateSecret',
        Resource: '*',
        Condition: {
          Null: { 'secretsmanager:RotationLambdaARN': 'false' },
          StringNotEquals: {
            'secretsmanager:RotationLambdaARN': input.rotationLambdaArn,
            'aws:PrincipalArn': writers,
          },
        },
      },
      {
        // Rules pushed 1000 days out (RotateImmediately false) stop rotation without a
        // failure to alert on: the schedule is the writers' alone; starting a rotation is not.
        Sid: 'OnlyRotatorAndAdminChangeTheSchedule',
        Effect: 'Deny',
        Principal: '*',
        Action: 'secretsmanager:RotateSecret',
        Resource: '*',
        Condition: {
          Bool: { 'secretsmanager:ModifyRotationRules': 'true' },
          StringNotEquals: { 'aws:PrincipalArn': writers },
        },
      },
    ],
  });
}
