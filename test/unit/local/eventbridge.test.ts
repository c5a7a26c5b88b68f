import {
  cloudTrailEventEntry,
  deliveryRegion,
  eventBridgeSource,
} from '../../../local/standin/cloudtrail/eventbridge.js';
import type { TrailRecord } from '../../../local/standin/cloudtrail/record.js';

const record = (overrides: Partial<TrailRecord>): TrailRecord =>
  ({
    eventVersion: '1.11',
    userIdentity: { type: 'IAMUser' },
    eventTime: '2026-11-28T10:00:00Z',
    eventSource: 'bedrock-agentcore.amazonaws.com',
    eventName: 'UpdateGateway',
    readOnly: false,
    resources: [{ ARN: 'arn:aws:bedrock-agentcore:us-east-1:123456789012:gateway/gw1' }],
    ...overrides,
  }) as TrailRecord;

describe('CloudTrail events on EventBridge', () => {
  it.each([
    ['bedrock-agentcore.amazonaws.com', 'aws.bedrock-agentcore'],
    ['secretsmanager.amazonaws.com', 'aws.secretsmanager'],
    ['cognito-idp.amazonaws.com', 'aws.cognito-idp'],
  ])('%s is source %s', (eventSource, source) => {
    expect(eventBridgeSource(eventSource)).toBe(source);
  });

  it('wraps a write event as "AWS API Call via CloudTrail" with the record as detail', () => {
    const entry = cloudTrailEventEntry(record({}));
    expect(entry).toMatchObject({
      Source: 'aws.bedrock-agentcore',
      DetailType: 'AWS API Call via CloudTrail',
      Resources: ['arn:aws:bedrock-agentcore:us-east-1:123456789012:gateway/gw1'],
      Time: new Date('2026-11-28T10:00:00Z'),
    });
    expect(JSON.parse(entry?.Detail ?? '{}')).toMatchObject({ eventName: 'UpdateGateway' });
  });

  it('leaves read-only events out, as the default rule state does on AWS', () => {
    expect(
      cloudTrailEventEntry(record({ eventName: 'GetGateway', readOnly: true })),
    ).toBeUndefined();
  });

  it.each([
    ['iam.amazonaws.com', 'us-east-1'],
    ['sts.amazonaws.com', 'us-east-1'],
    ['signin.amazonaws.com', 'us-east-1'],
    ['organizations.amazonaws.com', 'us-east-1'],
    ['account.amazonaws.com', 'us-east-1'],
    ['secretsmanager.amazonaws.com', 'eu-west-1'],
    ['bedrock-agentcore.amazonaws.com', 'eu-west-1'],
  ])('puts a %s event on the default bus of %s when called in eu-west-1', (eventSource, region) => {
    const entry = cloudTrailEventEntry(record({ eventSource, eventName: 'CreateRole' }));

    expect(entry && deliveryRegion(entry, 'eu-west-1')).toBe(region);
  });
});
