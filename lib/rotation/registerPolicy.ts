/**
 * The resource policy of a gatewarden secret. Two rules, each a Deny so that no identity
 * policy elsewhere in the account can widen them:
 * - readers only: the gateway's role, the rotator and extra readers named at registration may
 *   read the value, directly or through AgentCore Identity (`aws:CalledVia` bedrock-agentcore;
 *   AWS does not list AgentCore among the services that set that key, so the exemption may
 *   never apply: readers are named by role ARN either way);
 * - writers only: the value, its stages, its rotation function, its replicas, its existence and
 *   this policy itself change only through the rotator or the named admin role (break-glass:
 *   docs/threat-model.md).
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
   * Account of an AgentCore provider that reads this secret (EXTERNAL source): AgentCore
   * Identity may then read it as its service principal, for that account only. Which identity
   * AgentCore reads with is not documented; reads on a reader's behalf (`aws:CalledVia`) are
   * allowed either way.
   */
  agentcoreAccount?: string;
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
      ...(input.agentcoreAccount
        ? [
            {
              Sid: 'AgentCoreIdentityReads',
              Effect: 'Allow',
              Principal: { Service: AGENTCORE_SERVICE },
              Action: 'secretsmanager:GetSecretValue',
              Resource: '*',
              Condition: { StringEquals: { 'aws:SourceAccount': input.agentcoreAccount } },
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
          'ForAllValues:StringNotEquals': { 'aws:CalledVia': [AGENTCORE_SERVICE] },
          ...(input.agentcoreAccount
            ? {
                StringNotEqualsIfExists: { 'aws:PrincipalServiceName': AGENTCORE_SERVICE },
              }
            : {}),
        },
      },
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
    ],
  });
}
