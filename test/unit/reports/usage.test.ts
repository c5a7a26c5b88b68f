import { attribute } from '../../../lib/reports/callers.js';
import { UsageCollector } from '../../../lib/reports/UsageCollector.js';

const role = 'arn:aws:iam::111122223333:role/service-role/gw';
const session = {
  type: 'AssumedRole',
  arn: 'arn:aws:sts::111122223333:assumed-role/gw/s1',
  accountId: '111122223333',
  sessionContext: { sessionIssuer: { type: 'Role', arn: role } },
};

function record(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    eventTime: '2026-11-20T10:00:00Z',
    eventSource: 'secretsmanager.amazonaws.com',
    eventName: 'GetSecretValue',
    awsRegion: 'us-east-1',
    userIdentity: session,
    requestParameters: { secretId: 'arn:aws:secretsmanager:us-east-1:111122223333:secret:x' },
    ...overrides,
  };
}

describe('attribute', () => {
  it.each([
    [
      'an assumed-role session to its role (with path)',
      { type: 'AssumedRole', arn: session.arn, issuerArn: role },
      role,
    ],
    [
      'a session without issuer to the role in its ARN',
      { type: 'AssumedRole', arn: session.arn },
      'arn:aws:iam::111122223333:role/gw',
    ],
    [
      'a user to itself',
      { type: 'IAMUser', arn: 'arn:aws:iam::1:user/alice' },
      'arn:aws:iam::1:user/alice',
    ],
    ['root to root', { type: 'Root', arn: 'arn:aws:iam::1:root' }, 'arn:aws:iam::1:root'],
    ['an AWS service to nobody', { type: 'AWSService' }, undefined],
  ])('attributes %s', (_label, identity, arn) => {
    expect(attribute(identity)?.arn).toBe(arn);
  });
});

describe('UsageCollector', () => {
  it('counts calls per role and keeps the touched resources', () => {
    // Prepare
    const collector = new UsageCollector();
    // Act
    collector.addRecord(record());
    collector.addRecord(record());
    // Assess
    const usage = collector.principals.get('111122223333|role|gw');
    const event = usage?.events.get('secretsmanager.amazonaws.com|GetSecretValue');
    expect(usage?.arn).toBe(role);
    expect(event?.count).toBe(2);
    expect([...(event?.resources ?? [])]).toEqual([
      'arn:aws:secretsmanager:us-east-1:111122223333:secret:x',
    ]);
    expect(collector.stats.eventsAttributed).toBe(2);
  });

  it('does not count access-denied calls or calls outside the window as usage', () => {
    const collector = new UsageCollector({
      from: '2026-11-01T00:00:00Z',
      to: '2026-11-30T00:00:00Z',
    });
    collector.addRecord(record({ errorCode: 'AccessDenied' }));
    collector.addRecord(record({ eventTime: '2026-01-01T00:00:00Z' }));
    collector.addRecord('not a record');
    expect(collector.principals.size).toBe(0);
    expect(collector.stats).toMatchObject({
      eventsRead: 3,
      eventsDenied: 1,
      eventsOutsideWindow: 1,
    });
  });

  it('caps remembered resources and says so', () => {
    const collector = new UsageCollector();
    for (let i = 0; i < 60; i++)
      collector.addRecord(
        record({ requestParameters: { secretId: `arn:aws:secretsmanager:r:1:secret:s${i}` } }),
      );
    const event = collector.principals
      .get('111122223333|role|gw')
      ?.events.get('secretsmanager.amazonaws.com|GetSecretValue');
    expect(event?.resources.size).toBe(50);
    expect(event?.resourcesTruncated).toBe(true);
  });
});
