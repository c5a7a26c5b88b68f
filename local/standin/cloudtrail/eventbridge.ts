/**
 * CloudTrail → EventBridge, as AWS does it: every recorded management event that changes
 * something is put on the default event bus of the region called (us-east-1 for global
 * services, {@link deliveryRegion}) as "AWS API Call via CloudTrail", so a
 * rule on the default bus (e.g. `source: aws.bedrock-agentcore`) sees local API calls.
 *
 * Read-only events (Get/List/Describe) are not forwarded: on AWS they reach only rules in state
 * ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS, and moto cannot tell rule states apart, so
 * forwarding them would deliver to rules that AWS would never feed.
 */
import type { PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { GLOBAL_EVENTS_REGION, GLOBAL_SOURCES } from '../../../lib/detection/sources.js';
import type { TrailRecord } from './record.js';

export const CLOUDTRAIL_DETAIL_TYPE = 'AWS API Call via CloudTrail';

/** `secretsmanager.amazonaws.com` → `aws.secretsmanager`. */
export function eventBridgeSource(eventSource: string): string {
  return `aws.${eventSource.replace(/\.amazonaws\.com$/, '')}`;
}

/** The PutEvents entry for a record, or undefined when AWS would not forward it by default. */
export function cloudTrailEventEntry(record: TrailRecord): PutEventsRequestEntry | undefined {
  if (record.readOnly) return undefined;
  return {
    Source: eventBridgeSource(record.eventSource),
    DetailType: CLOUDTRAIL_DETAIL_TYPE,
    Detail: JSON.stringify(record),
    Time: new Date(record.eventTime),
    Resources: (record.resources ?? []).map((resource) => resource.ARN),
  };
}

/**
 * The region whose default bus receives an entry: global services (IAM, STS's global endpoint,
 * sign-in, Organizations, Account) deliver in us-east-1 only, whatever region the caller's
 * client names; every other service in the region called.
 */
export function deliveryRegion(entry: PutEventsRequestEntry, callerRegion: string): string {
  return entry.Source && GLOBAL_SOURCES.includes(entry.Source)
    ? GLOBAL_EVENTS_REGION
    : callerRegion;
}
