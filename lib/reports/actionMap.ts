/**
 * CloudTrail names an API call by `eventSource` (the service endpoint) and `eventName` (the
 * API operation); IAM names a permission `prefix:Action`. Mostly they agree; these tables hold
 * the common cases where they do not. Whatever still does not resolve against the catalog is
 * reported as unmapped rather than guessed.
 */

/** eventSource host prefixes whose IAM prefix differs. */
const SERVICE_BY_SOURCE: Record<string, string> = {
  monitoring: 'cloudwatch',
  'bedrock-agentcore-control': 'bedrock-agentcore',
  email: 'ses',
  'streams.dynamodb': 'dynamodb',
  'api.ecr': 'ecr',
  'api.pricing': 'pricing',
  'api.mediatailor': 'mediatailor',
  'data.iot': 'iot',
  'iot-data': 'iot',
  'execute-api': 'execute-api',
  elasticfilesystem: 'elasticfilesystem',
  'sso-directory': 'sso-directory',
  identitystore: 'identitystore',
  'resource-groups': 'resource-groups',
  tagging: 'tag',
  'runtime.lex': 'lex',
  'models.lex': 'lex',
  'runtime.sagemaker': 'sagemaker',
  'api.sagemaker': 'sagemaker',
  'bedrock-runtime': 'bedrock',
  'bedrock-agent': 'bedrock',
  'bedrock-agent-runtime': 'bedrock',
  'metering.marketplace': 'aws-marketplace',
  'appsync-api': 'appsync',
  'compute-optimizer': 'compute-optimizer',
  'kafka-cluster': 'kafka-cluster',
  cloudsearch: 'cloudsearch',
  'access-analyzer': 'access-analyzer',
  'ssm-incidents': 'ssm-incidents',
  logs: 'logs',
  elasticloadbalancing: 'elasticloadbalancing',
  es: 'es',
};

/** Operations whose permission has another name (`source host|eventName` → IAM actions). */
const ACTION_BY_EVENT: Record<string, string[]> = {
  's3|ListObjects': ['s3:ListBucket'],
  's3|ListObjectsV2': ['s3:ListBucket'],
  's3|HeadBucket': ['s3:ListBucket'],
  's3|HeadObject': ['s3:GetObject'],
  's3|ListObjectVersions': ['s3:ListBucketVersions'],
  's3|CopyObject': ['s3:PutObject', 's3:GetObject'],
  's3|CreateMultipartUpload': ['s3:PutObject'],
  's3|UploadPart': ['s3:PutObject'],
  's3|UploadPartCopy': ['s3:PutObject', 's3:GetObject'],
  's3|CompleteMultipartUpload': ['s3:PutObject'],
  's3|AbortMultipartUpload': ['s3:AbortMultipartUpload'],
  's3|DeleteObjects': ['s3:DeleteObject'],
  's3|ListMultipartUploads': ['s3:ListBucketMultipartUploads'],
  's3|ListParts': ['s3:ListMultipartUploadParts'],
  's3|GetBucketEncryption': ['s3:GetEncryptionConfiguration'],
  's3|PutBucketEncryption': ['s3:PutEncryptionConfiguration'],
  's3|GetBucketLifecycleConfiguration': ['s3:GetLifecycleConfiguration'],
  's3|PutBucketLifecycleConfiguration': ['s3:PutLifecycleConfiguration'],
  's3|GetBucketPublicAccessBlock': ['s3:GetBucketPublicAccessBlock'],
  'lambda|Invoke': ['lambda:InvokeFunction'],
  'lambda|InvokeAsync': ['lambda:InvokeFunction'],
  'lambda|InvokeWithResponseStream': ['lambda:InvokeFunction'],
  'lambda|ListVersionsByFunction': ['lambda:ListVersionsByFunction'],
  'dynamodb|DescribeTimeToLive': ['dynamodb:DescribeTimeToLive'],
  'sts|AssumeRoleWithWebIdentity': ['sts:AssumeRoleWithWebIdentity'],
  'kms|ReEncrypt': ['kms:ReEncryptFrom', 'kms:ReEncryptTo'],
  'monitoring|PutMetricData': ['cloudwatch:PutMetricData'],
  'logs|StartLiveTail': ['logs:StartLiveTail'],
  'secretsmanager|BatchGetSecretValue': ['secretsmanager:BatchGetSecretValue'],
};

/**
 * Events that need no IAM permission of the caller (console sign-in, service-internal
 * events, calls every principal may make): not counted as usage, not reported as unmapped.
 */
const NOT_AN_ACTION = new Set([
  'signin|ConsoleLogin',
  'signin|CheckMfa',
  'signin|SwitchRole',
  'signin|ExitRole',
  'signin|RenewRole',
  'signin|CredentialChallenge',
  'signin|CredentialVerification',
  'signin|UserAuthentication',
  'sts|GetCallerIdentity',
  'secretsmanager|RotationStarted',
  'secretsmanager|RotationSucceeded',
  'secretsmanager|RotationFailed',
  'secretsmanager|RotationAbandoned',
  'secretsmanager|StartSecretVersionDelete',
  'secretsmanager|EndSecretVersionDelete',
  'kms|RotateKey',
  'kms|DeleteExpiredKeyMaterial',
]);

/** Lambda (and a few others) append an API version to event names: `GetFunction20150331v2`. */
const VERSION_SUFFIX = /20\d{6}(v\d+)?$/;

/** The host part of an eventSource: `monitoring.amazonaws.com` → `monitoring`. */
export function sourceHost(eventSource: string): string {
  return eventSource.replace(/\.amazonaws\.com(\.cn)?$/, '').replace(/\.aws\.internal$/, '');
}

/** IAM service prefix for a CloudTrail eventSource. */
export function serviceOfSource(eventSource: string): string {
  const host = sourceHost(eventSource);
  return SERVICE_BY_SOURCE[host] ?? host;
}

/**
 * IAM actions (not yet checked against the catalog) that a CloudTrail event exercised;
 * empty when the event needs no permission of the caller.
 */
export function actionsOfEvent(eventSource: string, eventName: string): string[] {
  const host = sourceHost(eventSource);
  const name = eventName.replace(VERSION_SUFFIX, '');
  const key = `${host}|${name}`;
  if (NOT_AN_ACTION.has(key)) return [];
  return ACTION_BY_EVENT[key] ?? [`${serviceOfSource(eventSource)}:${name}`];
}
