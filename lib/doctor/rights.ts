/**
 * The IAM actions each gatewarden command calls on the caller's behalf, read from the
 * adapters in lib/aws/ (the SDK commands each command reaches). `doctor` simulates them for
 * the caller before a first deploy is used; keep this table in step when a command starts
 * calling something new.
 */
export const COMMAND_RIGHTS: Readonly<Record<string, readonly string[]>> = {
  register: [
    'sts:GetCallerIdentity',
    'bedrock-agentcore:GetGateway',
    'bedrock-agentcore:GetApiKeyCredentialProvider',
    'bedrock-agentcore:GetOauth2CredentialProvider',
    'bedrock-agentcore:UpdateApiKeyCredentialProvider',
    'bedrock-agentcore:UpdateOauth2CredentialProvider',
    'secretsmanager:CreateSecret',
    'secretsmanager:DescribeSecret',
    'secretsmanager:GetSecretValue',
    'secretsmanager:PutResourcePolicy',
    'secretsmanager:RotateSecret',
    'secretsmanager:TagResource',
    'dynamodb:GetItem',
    'dynamodb:PutItem',
    'dynamodb:Query',
  ],
  rotate: [
    'secretsmanager:ListSecrets',
    'secretsmanager:DescribeSecret',
    'secretsmanager:RotateSecret',
  ],
  report: [
    'sts:GetCallerIdentity',
    'iam:GetAccountAuthorizationDetails',
    'cloudtrail:LookupEvents',
    'cloudtrail:DescribeTrails',
    'cloudtrail:GetTrailStatus',
    'bedrock-agentcore:ListGateways',
    'bedrock-agentcore:GetGateway',
    'bedrock-agentcore:ListGatewayTargets',
    'bedrock-agentcore:GetGatewayTarget',
    'bedrock-agentcore:ListApiKeyCredentialProviders',
    'bedrock-agentcore:GetApiKeyCredentialProvider',
    'bedrock-agentcore:ListOauth2CredentialProviders',
    'bedrock-agentcore:GetOauth2CredentialProvider',
    'secretsmanager:ListSecrets',
    'secretsmanager:DescribeSecret',
  ],
  doctor: [
    'iam:SimulatePrincipalPolicy',
    'cloudtrail:DescribeTrails',
    'cloudtrail:GetTrailStatus',
    'cloudtrail:GetEventSelectors',
    'events:ListRules',
    'events:ListTargetsByRule',
    'secretsmanager:ListSecrets',
    'secretsmanager:DescribeSecret',
    'bedrock-agentcore:GetApiKeyCredentialProvider',
    'bedrock-agentcore:GetOauth2CredentialProvider',
    'dynamodb:GetItem',
  ],
};

/**
 * The principal IAM evaluates for a caller ARN: an assumed-role session is its role; a user
 * is itself (some emulators answer `arn:aws:sts::…:user/NAME`, which is read as the IAM user).
 * Undefined for the root user and federated users, which simulation does not cover.
 */
export function simulationPrincipal(callerArn: string): string | undefined {
  const assumed = /^arn:([^:]+):sts::(\d{12}):assumed-role\/([^/]+)\/[^/]+$/.exec(callerArn);
  if (assumed) return `arn:${assumed[1]}:iam::${assumed[2]}:role/${assumed[3]}`;
  const user = /^arn:([^:]+):(?:iam|sts)::(\d{12}):user\/(.+)$/.exec(callerArn);
  if (user) return `arn:${user[1]}:iam::${user[2]}:user/${user[3]}`;
  if (/^arn:[^:]+:iam::\d{12}:role\//.test(callerArn)) return callerArn;
  return undefined;
}
