import type { Severity } from '../detection/types.js';

/**
 * Privilege-escalation methods: sets of actions that, all granted on every resource, let a
 * principal obtain more than it was given. No maintained machine-readable list exists as a
 * JavaScript package; this table follows the catalogue Rhino Security Labs published ("AWS IAM
 * Privilege Escalation – Methods and Mitigation", S. Gietzen), as encoded by Salesforce's
 * Cloudsplaining (`privilege_escalation` methods, BSD-3) and Bishop Fox's iam-vulnerable, plus
 * the AgentCore writes that redirect a gateway's outbound credentials or targets, and the
 * methods pathfinding.cloud lists beyond Rhino's (EC2 Instance Connect, SSM, SageMaker jobs,
 * CloudFormation updates). Each entry is tested (test/unit/reports/riskCategories.test.ts).
 */
export interface EscalationMethod {
  id: string;
  /** Every one of these must be allowed on `*` (or by NotResource). */
  actions: string[];
  severity: Severity;
  reason: string;
}

const method = (
  id: string,
  actions: string[],
  reason: string,
  severity: Severity = 'high',
): EscalationMethod => ({ id, actions, severity, reason });

export const ESCALATION_METHODS: readonly EscalationMethod[] = [
  // Permissions on policies.
  method(
    'create-policy-version',
    ['iam:CreatePolicyVersion'],
    'can rewrite any managed policy, including its own (--set-as-default)',
  ),
  method(
    'set-default-policy-version',
    ['iam:SetDefaultPolicyVersion'],
    'can switch any managed policy to a broader older version',
  ),
  method(
    'put-user-policy',
    ['iam:PutUserPolicy'],
    'can write an inline policy granting anything to any user',
  ),
  method(
    'put-group-policy',
    ['iam:PutGroupPolicy'],
    'can write an inline policy granting anything to any group',
  ),
  method(
    'put-role-policy',
    ['iam:PutRolePolicy'],
    'can write an inline policy granting anything to any role',
  ),
  method(
    'attach-user-policy',
    ['iam:AttachUserPolicy'],
    'can attach AdministratorAccess to any user',
  ),
  method(
    'attach-group-policy',
    ['iam:AttachGroupPolicy'],
    'can attach AdministratorAccess to any group',
  ),
  method(
    'attach-role-policy',
    ['iam:AttachRolePolicy'],
    'can attach AdministratorAccess to any role',
  ),
  method(
    'delete-role-boundary',
    ['iam:DeleteRolePermissionsBoundary'],
    'can lift the permissions boundary of any role',
  ),
  method(
    'delete-user-boundary',
    ['iam:DeleteUserPermissionsBoundary'],
    'can lift the permissions boundary of any user',
  ),
  // Permissions on other users.
  method(
    'create-access-key',
    ['iam:CreateAccessKey'],
    'can create access keys for any user, including administrators',
  ),
  method(
    'create-login-profile',
    ['iam:CreateLoginProfile'],
    'can set a console password for any user without one',
  ),
  method(
    'update-login-profile',
    ['iam:UpdateLoginProfile'],
    "can change any user's console password",
  ),
  method('add-user-to-group', ['iam:AddUserToGroup'], 'can add itself to an administrators group'),
  // Trust policies.
  method(
    'update-trust-and-assume',
    ['iam:UpdateAssumeRolePolicy', 'sts:AssumeRole'],
    'can make any role trust itself, then assume it',
  ),
  // Passing a role to a service it controls.
  method(
    'passrole-lambda-invoke',
    ['iam:PassRole', 'lambda:CreateFunction', 'lambda:InvokeFunction'],
    'can run code as any role through a new Lambda function',
  ),
  method(
    'passrole-lambda-trigger',
    ['iam:PassRole', 'lambda:CreateFunction', 'lambda:CreateEventSourceMapping'],
    'can run code as any role through a new Lambda function and a trigger',
  ),
  method(
    'passrole-ec2',
    ['iam:PassRole', 'ec2:RunInstances'],
    "can start an instance with any role's profile and read its credentials",
  ),
  // Rhino's method 4 on running instances: a new instance profile on an instance one controls
  // (pathfinding.cloud ec2-004/ec2-005). Replacing needs a profile already attached; both pass
  // the profile's role.
  method(
    'passrole-ec2-associate-profile',
    ['iam:PassRole', 'ec2:AssociateIamInstanceProfile'],
    "can attach any role's instance profile to a running instance it controls and read its credentials",
  ),
  method(
    'passrole-ec2-replace-profile',
    ['iam:PassRole', 'ec2:ReplaceIamInstanceProfileAssociation'],
    "can swap a running instance's profile for any role's and read its credentials",
  ),
  method(
    'passrole-cloudformation',
    ['iam:PassRole', 'cloudformation:CreateStack'],
    'can create any resource as any role through a stack',
  ),
  method(
    'passrole-glue',
    ['iam:PassRole', 'glue:CreateDevEndpoint'],
    'can open a Glue endpoint running as any role',
  ),
  method(
    'passrole-datapipeline',
    ['iam:PassRole', 'datapipeline:CreatePipeline', 'datapipeline:PutPipelineDefinition'],
    'can run commands as any role through a pipeline',
  ),
  method(
    'passrole-sagemaker',
    [
      'iam:PassRole',
      'sagemaker:CreateNotebookInstance',
      'sagemaker:CreatePresignedNotebookInstanceUrl',
    ],
    'can open a notebook running as any role',
  ),
  method(
    'passrole-codebuild',
    ['iam:PassRole', 'codebuild:CreateProject', 'codebuild:StartBuild'],
    'can run a build as any role',
  ),
  method(
    'passrole-agentcore-gateway',
    ['iam:PassRole', 'bedrock-agentcore:CreateGateway'],
    "can create a gateway acting with any role's permissions",
  ),
  method(
    'passrole-sagemaker-processing',
    ['iam:PassRole', 'sagemaker:CreateProcessingJob'],
    'can run a processing job (its own container) as any role',
  ),
  method(
    'passrole-sagemaker-training',
    ['iam:PassRole', 'sagemaker:CreateTrainingJob'],
    'can run a training job (its own container) as any role',
  ),
  method(
    'passrole-cloudformation-update',
    ['iam:PassRole', 'cloudformation:UpdateStack'],
    'can rewrite any stack to create resources as any role',
  ),
  method(
    'passrole-cloudformation-changeset',
    ['iam:PassRole', 'cloudformation:CreateChangeSet', 'cloudformation:ExecuteChangeSet'],
    'can change any stack through a change set, acting as any role',
  ),
  // Changing what existing compute runs, or getting a shell on it.
  method(
    'ec2-instance-connect',
    ['ec2-instance-connect:SendSSHPublicKey'],
    "can push an SSH key to any instance and act with its instance profile's role",
  ),
  method(
    'sagemaker-notebook-url',
    ['sagemaker:CreatePresignedNotebookInstanceUrl'],
    'can open any existing notebook and act with its role',
  ),
  method(
    'ssm-send-command',
    ['ssm:SendCommand'],
    'can run commands on any managed instance and act with its role',
  ),
  method(
    'ssm-start-session',
    ['ssm:StartSession'],
    'can open a shell on any managed instance and act with its role',
  ),
  method(
    'lambda-update-code',
    ['lambda:UpdateFunctionCode'],
    "can replace any function's code and act with its role",
  ),
  method(
    'glue-update-endpoint',
    ['glue:UpdateDevEndpoint'],
    'can add its SSH key to any Glue endpoint and act with its role',
  ),
  // AgentCore: redirecting a gateway's targets or outbound credentials.
  method(
    'agentcore-target-write',
    ['bedrock-agentcore:CreateGatewayTarget'],
    'can add a target to any gateway, sending its callers and credentials elsewhere',
  ),
  method(
    'agentcore-target-update',
    ['bedrock-agentcore:UpdateGatewayTarget'],
    'can point any gateway target at its own endpoint',
  ),
  method(
    'agentcore-apikey-provider-write',
    ['bedrock-agentcore:UpdateApiKeyCredentialProvider'],
    'can replace the API key of every credential provider',
    'high',
  ),
  method(
    'agentcore-apikey-provider-create',
    ['bedrock-agentcore:CreateApiKeyCredentialProvider'],
    'can create credential providers in the shared token vault',
    'medium',
  ),
  method(
    'agentcore-oauth-provider-write',
    ['bedrock-agentcore:UpdateOauth2CredentialProvider'],
    'can repoint the OAuth client of every credential provider at its own IdP',
    'high',
  ),
  method(
    'agentcore-oauth-provider-create',
    ['bedrock-agentcore:CreateOauth2CredentialProvider'],
    'can create OAuth credential providers in the shared token vault',
    'medium',
  ),
  method(
    'agentcore-resource-policy',
    ['bedrock-agentcore:PutResourcePolicy'],
    'can open any gateway to other accounts through its resource policy',
  ),
];
