/**
 * CloudTrail `LookupEvents` over the recorded events: attribute filter, time range, newest
 * first, `MaxResults` and `NextToken` paging. Pure; errors use CloudTrail's exception names.
 */
import { StandinError, epochSeconds } from '../http.js';
import { usernameOf } from './identity.js';
import { resourceTypeOf, type TrailRecord } from './record.js';

export interface LookupInput {
  LookupAttributes?: Array<{ AttributeKey?: string; AttributeValue?: string }>;
  StartTime?: number | string;
  EndTime?: number | string;
  EventCategory?: string;
  MaxResults?: number;
  NextToken?: string;
}

export interface LookupEvent {
  EventId: string;
  EventName: string;
  ReadOnly: string;
  AccessKeyId?: string;
  EventTime: number;
  EventSource: string;
  Username?: string;
  Resources: Array<{ ResourceType?: string; ResourceName?: string }>;
  CloudTrailEvent: string;
}

export interface LookupOutput {
  Events: LookupEvent[];
  NextToken?: string;
}

const ATTRIBUTE_KEYS = [
  'EventId',
  'EventName',
  'ReadOnly',
  'Username',
  'ResourceType',
  'ResourceName',
  'EventSource',
  'AccessKeyId',
] as const;
type AttributeKey = (typeof ATTRIBUTE_KEYS)[number];

const invalid = (type: string, message: string): StandinError =>
  new StandinError(400, type, message);

/** Sort key: newest first; eventID breaks ties so paging is stable. */
function order(a: TrailRecord, b: TrailRecord): number {
  return b.eventTime.localeCompare(a.eventTime) || b.eventID.localeCompare(a.eventID);
}

/**
 * Identifier names in requestParameters (CloudTrail's lowerCamelCase, as `record.ts` writes
 * them) that LookupEvents lists as resources.
 */
const NAMED_RESOURCES: Array<[service: string, key: string, type: string]> = [
  ['secretsmanager', 'secretId', 'AWS::SecretsManager::Secret'],
  ['secretsmanager', 'name', 'AWS::SecretsManager::Secret'],
  ['iam', 'roleName', 'AWS::IAM::Role'],
  ['iam', 'userName', 'AWS::IAM::User'],
  ['iam', 'policyArn', 'AWS::IAM::Policy'],
  ['sns', 'topicArn', 'AWS::SNS::Topic'],
  ['sqs', 'queueUrl', 'AWS::SQS::Queue'],
  ['dynamodb', 'tableName', 'AWS::DynamoDB::Table'],
  ['s3', 'bucketName', 'AWS::S3::Bucket'],
  ['kms', 'keyId', 'AWS::KMS::Key'],
  ['bedrock-agentcore', 'gatewayIdentifier', 'AWS::BedrockAgentCore::Gateway'],
  [
    'bedrock-agentcore',
    'resourceCredentialProviderName',
    'AWS::BedrockAgentCore::CredentialProvider',
  ],
  ['bedrock-agentcore', 'workloadName', 'AWS::BedrockAgentCore::WorkloadIdentity'],
  ['events', 'eventBusName', 'AWS::Events::EventBus'],
  ['cloudtrail', 'trailName', 'AWS::CloudTrail::Trail'],
  ['cloudtrail', 'name', 'AWS::CloudTrail::Trail'],
];

/** The `Resources` list of one event: its ARNs plus named identifiers. */
export function resourcesOf(
  record: TrailRecord,
): Array<{ ResourceType: string; ResourceName: string }> {
  const out = new Map<string, { ResourceType: string; ResourceName: string }>();
  for (const resource of record.resources ?? []) {
    out.set(resource.ARN, {
      ResourceType: resource.type ?? resourceTypeOf(resource.ARN),
      ResourceName: resource.ARN,
    });
  }
  const params = record.requestParameters ?? {};
  const service = record.eventSource.replace(/\.amazonaws\.com$/, '');
  for (const [source, key, type] of NAMED_RESOURCES) {
    if (source !== service) continue;
    const value = params[key];
    if (typeof value === 'string' && !out.has(value))
      out.set(value, { ResourceType: type, ResourceName: value });
  }
  if (
    record.eventSource === 'bedrock-agentcore.amazonaws.com' &&
    /CredentialProvider$/.test(record.eventName)
  ) {
    const name = params.name;
    if (typeof name === 'string' && !out.has(name)) {
      out.set(name, {
        ResourceType: 'AWS::BedrockAgentCore::CredentialProvider',
        ResourceName: name,
      });
    }
  }
  return [...out.values()];
}

function attributeMatches(record: TrailRecord, key: AttributeKey, value: string): boolean {
  switch (key) {
    case 'EventId':
      return record.eventID === value;
    case 'EventName':
      return record.eventName === value;
    case 'ReadOnly':
      return String(record.readOnly) === value.toLowerCase();
    case 'Username':
      return usernameOf(record.userIdentity) === value;
    case 'EventSource':
      return record.eventSource === value;
    case 'AccessKeyId':
      return record.userIdentity.accessKeyId === value;
    case 'ResourceType':
      return resourcesOf(record).some((resource) => resource.ResourceType === value);
    case 'ResourceName':
      return resourcesOf(record).some((resource) => resource.ResourceName === value);
  }
}

function toDate(value: number | string | undefined, field: string): Date | undefined {
  if (value === undefined) return undefined;
  const date = typeof value === 'number' ? new Date(value * 1000) : new Date(value);
  if (Number.isNaN(date.getTime()))
    throw invalid('InvalidTimeRangeException', `${field} is not a valid time`);
  return date;
}

/** A page token: position after the last event returned (time + id), opaque to callers. */
function encodeToken(record: TrailRecord): string {
  return Buffer.from(JSON.stringify([record.eventTime, record.eventID])).toString('base64url');
}

function decodeToken(token: string): [string, string] {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (Array.isArray(parsed) && typeof parsed[0] === 'string' && typeof parsed[1] === 'string') {
      return [parsed[0], parsed[1]];
    }
  } catch {
    // fall through
  }
  throw invalid('InvalidNextTokenException', 'Invalid NextToken');
}

/** Runs one LookupEvents call over `records` (any order). */
export function lookupEvents(records: readonly TrailRecord[], input: LookupInput): LookupOutput {
  const attributes = input.LookupAttributes ?? [];
  if (attributes.length > 1) {
    throw invalid(
      'InvalidLookupAttributesException',
      'LookupAttributes may contain only one attribute',
    );
  }
  const attribute = attributes[0];
  if (attribute && !ATTRIBUTE_KEYS.includes(attribute.AttributeKey as AttributeKey)) {
    throw invalid(
      'InvalidLookupAttributesException',
      `Unknown AttributeKey ${String(attribute.AttributeKey)}`,
    );
  }
  if (attribute && (attribute.AttributeValue === undefined || attribute.AttributeValue === '')) {
    throw invalid('InvalidLookupAttributesException', 'AttributeValue must not be empty');
  }
  if (input.EventCategory !== undefined && input.EventCategory !== 'insight') {
    throw invalid('InvalidEventCategoryException', 'EventCategory must be insight');
  }
  const max = input.MaxResults ?? 50;
  if (!Number.isInteger(max) || max < 1 || max > 50) {
    throw invalid('InvalidMaxResultsException', 'MaxResults must be between 1 and 50');
  }
  const start = toDate(input.StartTime, 'StartTime');
  const end = toDate(input.EndTime, 'EndTime');
  if (start && end && start > end) {
    throw invalid('InvalidTimeRangeException', 'StartTime must be before EndTime');
  }
  // Insight events are never recorded locally.
  if (input.EventCategory === 'insight') return { Events: [] };

  const after = input.NextToken ? decodeToken(input.NextToken) : undefined;
  const matching = records
    .filter((record) => {
      // Event history serves management events only: data events (InvokeGateway, S3 objects)
      // reach the trail's log files and EventBridge, never a lookup.
      if (record.eventCategory === 'Data' || record.managementEvent === false) return false;
      const time = new Date(record.eventTime);
      if (start && time < start) return false;
      if (end && time > end) return false;
      if (
        attribute &&
        !attributeMatches(
          record,
          attribute.AttributeKey as AttributeKey,
          attribute.AttributeValue ?? '',
        )
      ) {
        return false;
      }
      return true;
    })
    .sort(order);
  const from = after
    ? matching.findIndex(
        (record) => order(record, { eventTime: after[0], eventID: after[1] } as TrailRecord) > 0,
      )
    : 0;
  const page = from < 0 ? [] : matching.slice(from, from + max);
  const last = page[page.length - 1];
  const more = from >= 0 && from + max < matching.length;
  return {
    Events: page.map(toLookupEvent),
    ...(more && last ? { NextToken: encodeToken(last) } : {}),
  };
}

function toLookupEvent(record: TrailRecord): LookupEvent {
  const username = usernameOf(record.userIdentity);
  return {
    EventId: record.eventID,
    EventName: record.eventName,
    ReadOnly: String(record.readOnly),
    ...(record.userIdentity.accessKeyId ? { AccessKeyId: record.userIdentity.accessKeyId } : {}),
    EventTime: epochSeconds(new Date(record.eventTime)),
    EventSource: record.eventSource,
    ...(username ? { Username: username } : {}),
    Resources: resourcesOf(record),
    CloudTrailEvent: JSON.stringify(record),
  };
}
