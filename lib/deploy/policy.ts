import permissions from './deployPermissions.json' with { type: 'json' };
import { GLOBAL_EVENTS_REGION } from '../detection/sources.js';
import { forwarderStackName } from './forwarder.js';
import { partitionOf } from '../shared/partition.js';

/**
 * The rights the person (or pipeline) running `serverless deploy` / `serverless remove` needs,
 * as one IAM policy document. CloudFormation creates, updates, reads and deletes each resource
 * of the template with the caller's credentials; which actions each resource type needs comes
 * from the CloudFormation resource schemas' handler permissions, read at build time by
 * `scripts/deployPolicy.ts` into `deployPermissions.json` (a test keeps it in step with the
 * packaged template). Printed by `gatewarden deploy-policy`.
 */

export interface DeployTarget {
  stage: string;
  region: string;
  account: string;
  partition?: string;
}

export interface PolicyStatement {
  Sid: string;
  Effect: 'Allow';
  Action: string[];
  Resource: string | string[];
}

export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: PolicyStatement[];
}

/** The generated data: every resource type of the template and what its handlers call. */
export interface DeployPermissions {
  /** Where the schemas came from (cfn-lint's copy) and for which region. */
  source: string;
  resourceTypes: Record<string, string[]>;
}

/** Stack operations the framework performs (deploy, info, remove, rollback). */
const STACK_ACTIONS = [
  'cloudformation:CreateChangeSet',
  'cloudformation:CreateStack',
  'cloudformation:DeleteChangeSet',
  'cloudformation:DeleteStack',
  'cloudformation:DescribeChangeSet',
  'cloudformation:DescribeStackEvents',
  'cloudformation:DescribeStackResource',
  'cloudformation:DescribeStackResources',
  'cloudformation:DescribeStacks',
  'cloudformation:ExecuteChangeSet',
  'cloudformation:GetTemplate',
  'cloudformation:ListStackResources',
  'cloudformation:UpdateStack',
];

/** The deployment bucket the framework creates in the stack and uploads the zips to. */
const ARTIFACT_ACTIONS = [
  's3:DeleteObject',
  's3:GetBucketLocation',
  's3:GetObject',
  's3:ListBucket',
  's3:PutObject',
];

const STAGE = /^[A-Za-z0-9-]{1,32}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
const ACCOUNT = /^\d{12}$/;

/** The policy for one stage in one account and region. */
export function deployPolicy(
  target: DeployTarget,
  data: DeployPermissions = permissions as DeployPermissions,
): PolicyDocument {
  if (!STAGE.test(target.stage)) throw new RangeError(`stage must match ${STAGE.source}`);
  if (!REGION.test(target.region)) throw new RangeError('region must look like eu-west-1');
  if (!ACCOUNT.test(target.account)) throw new RangeError('account must be 12 digits');
  const partition = target.partition ?? partitionOf(target.region);
  const service = `gatewarden-${target.stage}`;
  const handlerActions = [...new Set(Object.values(data.resourceTypes).flat())].sort();
  const iam = handlerActions.filter((action) => action.startsWith('iam:'));
  const others = handlerActions.filter((action) => !action.startsWith('iam:'));
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'TheStack',
        Effect: 'Allow',
        Action: STACK_ACTIONS,
        Resource: `arn:${partition}:cloudformation:${target.region}:${target.account}:stack/${service}/*`,
      },
      // Outside us-east-1 the stage's forwarder (`gatewarden forwarder deploy`) is a stack there;
      // its role is one of the stage's roles, its rules are resources like the stage's.
      ...(target.region === GLOBAL_EVENTS_REGION
        ? []
        : [
            {
              Sid: 'TheForwarderStack',
              Effect: 'Allow' as const,
              Action: STACK_ACTIONS,
              Resource: `arn:${partition}:cloudformation:${GLOBAL_EVENTS_REGION}:${target.account}:stack/${forwarderStackName(target)}/*`,
            },
          ]),
      {
        Sid: 'ValidateTemplates',
        Effect: 'Allow',
        Action: ['cloudformation:ValidateTemplate'],
        Resource: '*',
      },
      {
        Sid: 'DeploymentArtifacts',
        Effect: 'Allow',
        Action: ARTIFACT_ACTIONS,
        Resource: [
          `arn:${partition}:s3:::${service}-serverlessdeploymentbuck*`,
          `arn:${partition}:s3:::${service}-serverlessdeploymentbuck*/*`,
        ],
      },
      // The central stage's member code (scripts/memberCodePlugin.cjs): each zip written once
      // under its content key, and read back when one is there already. No delete.
      {
        Sid: 'MemberCodeUploads',
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:PutObject'],
        Resource: `arn:${partition}:s3:::${service}-membercodebucket-*/member-code/*`,
      },
      {
        Sid: 'StackRoles',
        Effect: 'Allow',
        Action: iam,
        Resource: `arn:${partition}:iam::${target.account}:role/${service}-*`,
      },
      {
        // CloudFormation calls these on resources whose names and ids it generates.
        Sid: 'StackResources',
        Effect: 'Allow',
        Action: others,
        Resource: '*',
      },
    ],
  };
}
