import { lookupEvents, resourcesOf } from '../../../local/standin/cloudtrail/lookup.js';
import type { TrailRecord } from '../../../local/standin/cloudtrail/record.js';
import { StandinError } from '../../../local/standin/http.js';

function record(index: number, overrides: Partial<TrailRecord> = {}): TrailRecord {
  return {
    eventVersion: '1.11',
    userIdentity: {
      type: 'IAMUser',
      userName: index % 2 ? 'alice' : 'bob',
      accessKeyId: `AKID${index % 2}`,
      accountId: '123456789012',
    },
    eventTime: new Date(Date.UTC(2026, 10, 28, 10, 0, index)).toISOString().replace('.000Z', 'Z'),
    eventSource: index % 3 ? 'secretsmanager.amazonaws.com' : 'iam.amazonaws.com',
    eventName: index % 3 ? 'GetSecretValue' : 'CreateRole',
    awsRegion: 'us-east-1',
    sourceIPAddress: '127.0.0.1',
    userAgent: 'test',
    requestParameters: index % 3 ? { secretId: `secret-${index}` } : { roleName: `role-${index}` },
    responseElements: null,
    requestID: `r${index}`,
    eventID: `e${String(index).padStart(3, '0')}`,
    readOnly: index % 3 !== 0,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: '123456789012',
    eventCategory: 'Management',
    ...overrides,
  };
}

const records = Array.from({ length: 12 }, (_, index) => record(index));

describe('LookupEvents over recorded events', () => {
  // On AWS, event history (LookupEvents) holds management events only; data events such as
  // InvokeGateway are in the trail's log files, never in a lookup.
  it('leaves data events out, as event history does', () => {
    const invoke = record(99, {
      eventSource: 'bedrock-agentcore.amazonaws.com',
      eventName: 'InvokeGateway',
      eventID: 'e-data',
      managementEvent: false,
      eventCategory: 'Data',
    });
    const { Events } = lookupEvents([...records, invoke], { MaxResults: 50 });
    expect(Events.map((event) => event.EventId)).not.toContain('e-data');
    expect(Events).toHaveLength(records.length);
  });

  it('returns newest first with the CloudTrail event as a JSON string', () => {
    const { Events } = lookupEvents(records, { MaxResults: 3 });
    expect(Events.map((event) => event.EventId)).toEqual(['e011', 'e010', 'e009']);
    expect(JSON.parse(Events[0]?.CloudTrailEvent ?? '{}')).toEqual(records[11]);
    expect(Events[0]).toMatchObject({
      EventName: 'GetSecretValue',
      ReadOnly: 'true',
      Username: 'alice',
      AccessKeyId: 'AKID1',
    });
  });

  it.each([
    ['EventName', 'CreateRole', 4],
    ['EventSource', 'iam.amazonaws.com', 4],
    ['Username', 'alice', 6],
    ['AccessKeyId', 'AKID0', 6],
    ['ReadOnly', 'false', 4],
    ['ResourceName', 'secret-5', 1],
    ['ResourceType', 'AWS::IAM::Role', 4],
    ['EventId', 'e007', 1],
  ])('filters on %s = %s', (AttributeKey, AttributeValue, count) => {
    expect(
      lookupEvents(records, { LookupAttributes: [{ AttributeKey, AttributeValue }] }).Events,
    ).toHaveLength(count);
  });

  it('applies StartTime and EndTime (epoch seconds, as the SDK sends them)', () => {
    const start = Date.UTC(2026, 10, 28, 10, 0, 3) / 1000;
    const end = Date.UTC(2026, 10, 28, 10, 0, 5) / 1000;
    expect(
      lookupEvents(records, { StartTime: start, EndTime: end }).Events.map(
        (event) => event.EventId,
      ),
    ).toEqual(['e005', 'e004', 'e003']);
  });

  it('pages through everything exactly once, even while new events arrive', () => {
    const live = [...records];
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = lookupEvents(live, { MaxResults: 5, ...(token ? { NextToken: token } : {}) });
      seen.push(...page.Events.map((event) => event.EventId));
      token = page.NextToken;
      live.push(record(100 + seen.length)); // newer than everything: must not shift the pages
    } while (token);
    expect(seen).toEqual(records.map((item) => item.eventID).reverse());
  });

  it.each([
    [
      {
        LookupAttributes: [
          { AttributeKey: 'EventName', AttributeValue: 'a' },
          { AttributeKey: 'Username', AttributeValue: 'b' },
        ],
      },
      'InvalidLookupAttributesException',
    ],
    [
      { LookupAttributes: [{ AttributeKey: 'Colour', AttributeValue: 'a' }] },
      'InvalidLookupAttributesException',
    ],
    [
      { LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: '' }] },
      'InvalidLookupAttributesException',
    ],
    [{ StartTime: 2_000_000_000, EndTime: 1_000_000_000 }, 'InvalidTimeRangeException'],
    [{ MaxResults: 51 }, 'InvalidMaxResultsException'],
    [{ NextToken: 'garbage' }, 'InvalidNextTokenException'],
    [{ EventCategory: 'data' }, 'InvalidEventCategoryException'],
  ])('rejects %j with %s', (query, type) => {
    expect(() => lookupEvents(records, query)).toThrow(StandinError);
    try {
      lookupEvents(records, query);
    } catch (error) {
      expect((error as StandinError).type).toBe(type);
    }
  });

  it('lists named resources by the keys CloudTrail uses, for the service that owns them', () => {
    const trail = record(1, {
      eventSource: 'cloudtrail.amazonaws.com',
      eventName: 'StopLogging',
      requestParameters: { name: 'org-trail' },
    });
    const rule = record(1, {
      eventSource: 'events.amazonaws.com',
      eventName: 'PutRule',
      requestParameters: { name: 'org-trail', eventBusName: 'default' },
    });
    const wire = record(1, { requestParameters: { SecretId: 'wire-name' } });
    expect(resourcesOf(trail)).toEqual([
      { ResourceType: 'AWS::CloudTrail::Trail', ResourceName: 'org-trail' },
    ]);
    expect(resourcesOf(rule)).toEqual([
      { ResourceType: 'AWS::Events::EventBus', ResourceName: 'default' },
    ]);
    expect(resourcesOf(wire)).toEqual([]);
  });
});
