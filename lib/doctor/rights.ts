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
    'bedrock-agentcore:GetResourcePolicy',
    'bedrock-agentcore:GetPolicyEngine',
    'bedrock-agentcore:ListPolicies',
    'bedrock-agentcore:GetTokenVault',
    'bedrock-agentcore:GetWorkloadIdentity',
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
    // The forwarder check: which rules in us-east-1 target the stage's bus.
    'events:ListRuleNamesByTarget',
    'secretsmanager:ListSecrets',
    'secretsmanager:DescribeSecret',
    'bedrock-agentcore:GetApiKeyCredentialProvider',
    'bedrock-agentcore:GetOauth2CredentialProvider',
    'dynamodb:GetItem',
    // --posture
    'bedrock-agentcore:ListGateways',
    'bedrock-agentcore:GetGateway',
    'bedrock-agentcore:ListGatewayTargets',
    'bedrock-agentcore:GetGatewayTarget',
    'bedrock-agentcore:GetResourcePolicy',
    'bedrock-agentcore:GetPolicyEngine',
    'bedrock-agentcore:ListPolicies',
    'bedrock-agentcore:GetTokenVault',
    'bedrock-agentcore:GetWorkloadIdentity',
  ],
};

/** Where a simulation happens: the account, region, stage and state table of the deployment. */
export interface RightsContext {
  partition?: string;
  account: string;
  region: string;
  stage: string;
  stateTable?: string;
}

/** One action to simulate, on a resource like the ones the command touches. */
export interface RightToCheck {
  action: string;
  resource: string;
}

/**
 * The resource each action is simulated on: a resource of the kind the command touches (a
 * gatewarden secret, the state table, a credential provider, a gateway), because a policy
 * scoped to those ARNs — least privilege — denies the same action on `*`. List and describe
 * calls AWS does not scope stay on `*`.
 */
export function resourceFor(action: string, ctx: RightsContext): string {
  const p = ctx.partition ?? 'aws';
  const [service = '', name = ''] = action.split(':');
  const at = `${ctx.region}:${ctx.account}`;
  if (service === 'secretsmanager' && name !== 'ListSecrets')
    return `arn:${p}:secretsmanager:${at}:secret:gatewarden/doctor-probe/apiKey/probe-AbCdEf`;
  if (service === 'dynamodb' && ctx.stateTable)
    return `arn:${p}:dynamodb:${at}:table/${ctx.stateTable}`;
  if (service === 'bedrock-agentcore' && /ApiKeyCredentialProvider$/.test(name))
    return `arn:${p}:bedrock-agentcore:${at}:token-vault/default/apikeycredentialprovider/doctor-probe`;
  if (service === 'bedrock-agentcore' && /Oauth2CredentialProvider$/.test(name))
    return `arn:${p}:bedrock-agentcore:${at}:token-vault/default/oauth2credentialprovider/doctor-probe`;
  if (
    service === 'bedrock-agentcore' &&
    /^(Get|Update|Delete)Gateway|GatewayTargets?$|^GetResourcePolicy$/.test(name)
  )
    return `arn:${p}:bedrock-agentcore:${at}:gateway/doctor-probe`;
  if (service === 'bedrock-agentcore' && /^(GetPolicyEngine|ListPolicies)$/.test(name))
    return `arn:${p}:bedrock-agentcore:${at}:policy-engine/doctorprobe-abcdefghij`;
  if (service === 'bedrock-agentcore' && name === 'GetWorkloadIdentity')
    return `arn:${p}:bedrock-agentcore:${at}:workload-identity-directory/default/workload-identity/doctor-probe`;
  if (service === 'bedrock-agentcore' && name === 'GetTokenVault')
    return `arn:${p}:bedrock-agentcore:${at}:token-vault/default`;
  if (service === 'events' && name === 'ListTargetsByRule')
    return `arn:${p}:events:${at}:rule/gatewarden-${ctx.stage}-detect-probe`;
  return '*';
}

/** What to simulate for a command in this deployment. */
export function commandRights(command: string, ctx: RightsContext): RightToCheck[] {
  return (COMMAND_RIGHTS[command] ?? []).map((action) => ({
    action,
    resource: resourceFor(action, ctx),
  }));
}

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
