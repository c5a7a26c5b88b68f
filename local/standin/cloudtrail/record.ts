/**
 * Shapes a CloudTrail record for an API call that passed through the front. Pure.
 *
 * Only identifiers reach `requestParameters` / `responseElements` (an allowlist of keys);
 * secret values and bodies never do. Gateway names and descriptions are written as `***`,
 * as AgentCore does in real CloudTrail.
 *
 * Keys take CloudTrail's shape, not the SDK's wire names: lowerCamelCase for every service
 * (`RoleName` → `roleName`, `ARN` → `arn`, `KMSKeyId` → `kmsKeyId`; AgentCore's rest-json
 * is already so), query-protocol lists rebuilt (`Tags.member.1.Key` → `tags: [{ key, value }]`),
 * and S3's own `bucketName` / `key` / `Host`. Detection rules read this shape.
 */
import { randomUUID } from 'node:crypto';
import { redactText } from '../../../lib/shared/redact.js';
import type { FrontRequest } from '../context.js';
import type { UserIdentity } from './identity.js';

export interface TrailRecord {
  eventVersion: string;
  userIdentity: UserIdentity;
  eventTime: string;
  eventSource: string;
  eventName: string;
  awsRegion: string;
  sourceIPAddress: string;
  userAgent: string;
  requestParameters: Record<string, unknown> | null;
  responseElements: Record<string, unknown> | null;
  errorCode?: string;
  errorMessage?: string;
  requestID: string;
  eventID: string;
  readOnly: boolean;
  resources?: Array<{ ARN: string; accountId?: string; type?: string }>;
  eventType: string;
  managementEvent: boolean;
  recipientAccountId: string;
  eventCategory: string;
  [extra: string]: unknown;
}

/** Keys whose values are identifiers (names, ARNs, ids, enums) and may be recorded. */
const IDENTIFIER_KEYS = new Set([
  // Secrets Manager, KMS
  'SecretId',
  'Name',
  'VersionId',
  'VersionStage',
  'MoveToVersionId',
  'RemoveFromVersionId',
  'ClientRequestToken',
  'RotationLambdaARN',
  'KmsKeyId',
  'KeyId',
  'ARN',
  'ForceDeleteWithoutRecovery',
  'RecoveryWindowInDays',
  'RotateImmediately',
  'RotationRules',
  'AutomaticallyAfterDays',
  'ScheduleExpression',
  'Duration',
  'IncludeDeprecated',
  'PendingWindowInDays',
  // IAM, STS
  'RoleName',
  'RoleArn',
  'RoleSessionName',
  'PolicyArn',
  'PolicyName',
  'UserName',
  'GroupName',
  'InstanceProfileName',
  'AccessKeyId',
  'Path',
  'DurationSeconds',
  'MaxSessionDuration',
  'Arn',
  'UserId',
  'RoleId',
  'ExternalId',
  'PermissionsBoundary',
  // SNS, SQS, DynamoDB, S3, EventBridge, CloudTrail, Lambda, Cognito
  'TopicArn',
  'SubscriptionArn',
  'Protocol',
  'QueueUrl',
  'QueueName',
  'TableName',
  'Bucket',
  'Key',
  'EventBusName',
  'Rule',
  'State',
  'TrailName',
  'S3BucketName',
  'FunctionName',
  'UserPoolId',
  'ClientId',
  'ClientSecretId',
  'ClientName',
  // AgentCore control and data plane
  'name',
  'gatewayIdentifier',
  'gatewayId',
  'gatewayArn',
  'gatewayUrl',
  'targetId',
  'roleArn',
  'authorizerType',
  'protocolType',
  'kmsKeyArn',
  'status',
  'credentialProviderVendor',
  'credentialProviderArn',
  'apiKeySecretSource',
  'clientSecretSource',
  'apiKeySecretArn',
  'clientSecretArn',
  'secretArn',
  'workloadIdentityArn',
  'resourceCredentialProviderName',
  'workloadName',
  'oauth2Flow',
  'scopes',
  'tokenVaultId',
  'keyType',
  'kmsConfiguration',
  'resourceArn',
]);

/** Policy documents: not secret, recorded whole by CloudTrail (rules read them), so longer. */
const POLICY_KEYS = new Set([
  'PolicyDocument',
  'AssumeRolePolicyDocument',
  'Policy',
  'ResourcePolicy',
  // AgentCore PutResourcePolicy (rest-json)
  'policy',
]);

/** Tag lists (`[{ Key, Value }]`), recorded as CloudTrail does: `tags: [{ key, value }]`. */
const TAG_KEYS = new Set(['Tags', 'TagList']);

const UNSAFE_PARTS = new Set(['__proto__', 'constructor', 'prototype']);

/** Integer members of query-protocol requests, which CloudTrail records as numbers. */
const QUERY_INTEGERS = new Set(['DurationSeconds', 'MaxSessionDuration']);

const MAX_VALUE = 512;
const MAX_POLICY = 20_480;

/** Operations on which AgentCore redacts `name`/`description`. */
const GATEWAY_OPERATIONS = /Gateway(Target)?s?$/;

/** High-volume data events: CloudTrail keeps them out of LookupEvents, and so do we. */
const DATA_EVENTS: Record<string, Set<string>> = {
  s3: new Set([
    'GetObject',
    'PutObject',
    'DeleteObject',
    'DeleteObjects',
    'HeadObject',
    'CopyObject',
    'ListObjects',
    'ListObjectsV2',
    'ListObjectVersions',
    'CreateMultipartUpload',
    'UploadPart',
    'CompleteMultipartUpload',
    'AbortMultipartUpload',
    'GetObjectTagging',
    'PutObjectTagging',
  ]),
  dynamodb: new Set([
    'GetItem',
    'PutItem',
    'UpdateItem',
    'DeleteItem',
    'Query',
    'Scan',
    'BatchGetItem',
    'BatchWriteItem',
    'TransactGetItems',
    'TransactWriteItems',
  ]),
  sqs: new Set([
    'SendMessage',
    'SendMessageBatch',
    'ReceiveMessage',
    'DeleteMessage',
    'DeleteMessageBatch',
    'ChangeMessageVisibility',
    'ChangeMessageVisibilityBatch',
  ]),
  sns: new Set(['Publish', 'PublishBatch']),
  lambda: new Set(['Invoke', 'Invoke20150331', 'InvokeWithResponseStream']),
  events: new Set(['PutEvents']),
  'bedrock-agentcore': new Set(['InvokeGateway']),
};

const READ_ONLY =
  /^(Get|List|Describe|Lookup|Head|Search|BatchGet|Query|Scan|Decrypt|Encrypt|GenerateDataKey|GenerateRandom|Verify|Test|Preview|Check)/;

/** True for operations CloudTrail would log as management events. */
export function isManagementEvent(service: string, operation: string): boolean {
  return !DATA_EVENTS[service]?.has(operation);
}

export function isReadOnly(operation: string): boolean {
  return READ_ONLY.test(operation);
}

/**
 * CloudTrail's name for a wire member: lowerCamelCase. A leading acronym is lowered whole
 * (`ARN` → `arn`, `KMSKeyId` → `kmsKeyId`); the rest is kept (`RotationLambdaARN` →
 * `rotationLambdaARN`). Keys already lowerCamelCase (rest-json AgentCore) are unchanged.
 */
export function cloudTrailKey(key: string): string {
  const run = /^[A-Z]+/.exec(key)?.[0];
  if (!run) return key;
  const lower = run.length > 1 && run.length < key.length ? run.length - 1 : run.length;
  return key.slice(0, lower).toLowerCase() + key.slice(lower);
}

/**
 * Rebuilds the lists and maps of a query-protocol request (IAM, STS, SNS, SQS) from its
 * flattened form: `Tags.member.1.Key=k` → `{ Tags: [{ Key: 'k' }] }`, `Attributes.entry.1.key`
 * likewise. Scalars are kept as they are.
 */
export function unflattenQuery(params: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(params)) {
    const path = name.split('.').filter((part) => part !== 'member' && part !== 'entry');
    // Parameter names are the caller's: none may walk into a prototype or size a huge list.
    if (path.some((part) => UNSAFE_PARTS.has(part) || /^\d{4,}$/.test(part))) continue;
    let node: Record<string, unknown> = out;
    for (let i = 0; i < path.length; i++) {
      const part = path[i] as string;
      const next = path[i + 1];
      if (next === undefined) {
        const integer =
          QUERY_INTEGERS.has(part) && typeof value === 'string' && /^\d{1,9}$/.test(value);
        node[part] = integer ? Number(value) : value;
        break;
      }
      const child = node[part];
      const container = child && typeof child === 'object' ? child : /^\d+$/.test(next) ? [] : {};
      node[part] = container;
      node = container as Record<string, unknown>;
    }
  }
  return compactLists(out) as Record<string, unknown>;
}

/** Query lists are 1-based and may have gaps: keep their items, in order. */
function compactLists(value: unknown): unknown {
  if (Array.isArray(value)) return value.filter((item) => item !== undefined).map(compactLists);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, compactLists(item)]),
    );
  }
  return value;
}

/**
 * Copies only identifier keys (recursively through objects), renamed as CloudTrail names them;
 * everything else is dropped.
 */
export function pickIdentifiers(value: unknown, depth = 0): Record<string, unknown> | null {
  if (!value || typeof value !== 'object' || Array.isArray(value) || depth > 3) return null;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    let picked: unknown;
    if (TAG_KEYS.has(key)) picked = pickTags(item);
    else if (POLICY_KEYS.has(key)) picked = pickString(item, MAX_POLICY);
    else if (IDENTIFIER_KEYS.has(key)) picked = pickValue(item, depth);
    if (picked !== undefined) out[cloudTrailKey(key)] = picked;
  }
  return Object.keys(out).length > 0 ? out : null;
}

function pickString(item: unknown, max: number): string | undefined {
  if (typeof item !== 'string') return undefined;
  return redactText(item.length > max ? `${item.slice(0, max)}…` : item);
}

function pickTags(item: unknown): Array<{ key: string; value?: string }> | undefined {
  if (!Array.isArray(item)) return undefined;
  const tags = item.slice(0, 50).flatMap((tag: unknown) => {
    if (!tag || typeof tag !== 'object') return [];
    const { Key, Value } = tag as { Key?: unknown; Value?: unknown };
    const key = pickString(Key, MAX_VALUE);
    if (key === undefined) return [];
    const value = pickString(Value, MAX_VALUE);
    return [{ key, ...(value === undefined ? {} : { value }) }];
  });
  return tags.length > 0 ? tags : undefined;
}

function pickValue(item: unknown, depth: number): unknown {
  if (typeof item === 'string') return pickString(item, MAX_VALUE);
  if (typeof item === 'number' || typeof item === 'boolean') return item;
  if (Array.isArray(item)) {
    const strings = item.filter((entry): entry is string => typeof entry === 'string').slice(0, 20);
    return strings.map((entry) => redactText(entry));
  }
  if (item && typeof item === 'object') return pickIdentifiers(item, depth + 1) ?? undefined;
  return undefined;
}

/**
 * The request's parameters as CloudTrail records them. S3 names the bucket `bucketName` and
 * adds the `Host` the request was sent to.
 */
function requestParametersOf(request: FrontRequest): Record<string, unknown> | null {
  const { params, labels, service } = request.aws;
  const wire = typeof params.Action === 'string' ? unflattenQuery(params) : params;
  const picked = pickIdentifiers({ ...wire, ...labels });
  if (service !== 's3' || !picked) return picked;
  const { bucket, ...rest } = picked;
  const host = request.headers.host;
  return {
    ...(bucket === undefined ? {} : { bucketName: bucket }),
    ...(typeof host === 'string' ? { Host: host } : {}),
    ...rest,
  };
}

export interface RecordInput {
  request: FrontRequest;
  status: number;
  responseHeaders: Record<string, string | string[] | number | undefined>;
  responseBody: Buffer;
  userIdentity: UserIdentity;
  accountId: string;
}

/** Builds the record, or undefined when the call is not a recordable management event. */
export function shapeRecord(input: RecordInput): TrailRecord | undefined {
  const { request, status } = input;
  const { service, operation } = request.aws;
  if (!service || !operation || !isManagementEvent(service, operation)) return undefined;

  const requestParameters = requestParametersOf(request);
  const response = status < 300 ? parseJson(input.responseBody) : undefined;
  const responseElements = pickIdentifiers(response);
  if (GATEWAY_OPERATIONS.test(operation) && service === 'bedrock-agentcore') {
    for (const elements of [requestParameters, responseElements]) {
      if (elements && 'name' in elements) elements.name = '***';
    }
  }
  const record: TrailRecord = {
    eventVersion: '1.11',
    userIdentity: input.userIdentity,
    eventTime: cloudTrailTime(request.receivedAt),
    eventSource: `${service}.amazonaws.com`,
    eventName: operation,
    awsRegion: request.aws.region,
    sourceIPAddress: request.sourceIp,
    userAgent: request.userAgent,
    requestParameters,
    responseElements,
    requestID: headerValue(input.responseHeaders, 'x-amzn-requestid') ?? randomUUID(),
    eventID: randomUUID(),
    readOnly: isReadOnly(operation),
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: input.accountId,
    eventCategory: 'Management',
  };
  if (status >= 400) Object.assign(record, errorOf(input));
  const resources = resourcesOf(requestParameters, responseElements, input.accountId);
  if (resources.length > 0) record.resources = resources;
  return record;
}

/** CloudTrail writes times to the second: `2026-11-28T15:04:05Z`. */
export function cloudTrailTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function resourcesOf(
  ...args: [Record<string, unknown> | null, Record<string, unknown> | null, string]
): Array<{ ARN: string; accountId?: string; type?: string }> {
  const [request, response, accountId] = args;
  const arns = new Set<string>();
  const visit = (value: unknown): void => {
    if (typeof value === 'string' && value.startsWith('arn:')) arns.add(value);
    else if (Array.isArray(value)) value.forEach(visit);
    else if (value && typeof value === 'object') Object.values(value).forEach(visit);
  };
  visit(request);
  visit(response);
  return [...arns].map((arn) => ({
    ARN: arn,
    accountId: arn.split(':')[4] || accountId,
    type: resourceTypeOf(arn),
  }));
}

/** CloudFormation-style type of an ARN, e.g. `AWS::SecretsManager::Secret`. */
export function resourceTypeOf(arn: string): string {
  const [, , service = '', , , resource = ''] = arn.split(':');
  const kind = resource.split('/')[0] ?? '';
  const known: Record<string, string> = {
    'secretsmanager:secret': 'AWS::SecretsManager::Secret',
    'iam:role': 'AWS::IAM::Role',
    'iam:user': 'AWS::IAM::User',
    'iam:policy': 'AWS::IAM::Policy',
    'kms:key': 'AWS::KMS::Key',
    'bedrock-agentcore:gateway': 'AWS::BedrockAgentCore::Gateway',
    'bedrock-agentcore:token-vault': 'AWS::BedrockAgentCore::TokenVault',
    'bedrock-agentcore:workload-identity-directory': 'AWS::BedrockAgentCore::WorkloadIdentity',
    'events:rule': 'AWS::Events::Rule',
    'events:event-bus': 'AWS::Events::EventBus',
    'cloudtrail:trail': 'AWS::CloudTrail::Trail',
    'lambda:function': 'AWS::Lambda::Function',
  };
  if (service === 'sns') return 'AWS::SNS::Topic';
  if (service === 'sqs') return 'AWS::SQS::Queue';
  if (service === 's3') return 'AWS::S3::Bucket';
  return known[`${service}:${kind}`] ?? `AWS::${service}::${kind || 'Resource'}`;
}

function errorOf(input: RecordInput): { errorCode: string; errorMessage?: string } {
  const text = input.responseBody.length < 100_000 ? input.responseBody.toString('utf8') : '';
  const json = parseJson(input.responseBody);
  const headerCode = headerValue(input.responseHeaders, 'x-amzn-errortype')?.split(':')[0];
  const jsonCode = typeof json?.__type === 'string' ? json.__type.split('#').pop() : undefined;
  const xmlCode = /<Code>([^<]+)<\/Code>/.exec(text)?.[1];
  const code = headerCode || jsonCode || xmlCode || `HTTP${input.status}`;
  const message =
    (typeof json?.message === 'string' && json.message) ||
    (typeof json?.Message === 'string' && json.Message) ||
    /<Message>([^<]*)<\/Message>/.exec(text)?.[1];
  return {
    errorCode: code,
    ...(message ? { errorMessage: redactText(message.slice(0, 512)) } : {}),
  };
}

function parseJson(body: Buffer): Record<string, unknown> | undefined {
  if (body.length === 0 || body.length > 1_000_000) return undefined;
  try {
    const parsed: unknown = JSON.parse(body.toString('utf8'));
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function headerValue(headers: RecordInput['responseHeaders'], name: string): string | undefined {
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== name) continue;
    if (Array.isArray(value)) return value[0];
    return value === undefined ? undefined : String(value);
  }
  return undefined;
}
