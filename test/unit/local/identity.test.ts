import {
  IdentityCache,
  userIdentityOf,
  usernameOf,
} from '../../../local/standin/cloudtrail/identity.js';

const now = new Date('2026-11-28T10:00:00Z');

describe('caller identity for CloudTrail', () => {
  it.each([
    [
      { Account: '111122223333', Arn: 'arn:aws:iam::111122223333:user/ops/alice', UserId: 'AIDA1' },
      { type: 'IAMUser', userName: 'alice', principalId: 'AIDA1' },
      'alice',
    ],
    [
      {
        Account: '111122223333',
        Arn: 'arn:aws:sts::111122223333:assumed-role/GatewayAdmin/session-1',
        UserId: 'AROA1:session-1',
      },
      {
        type: 'AssumedRole',
        sessionContext: {
          sessionIssuer: {
            type: 'Role',
            principalId: 'AROA1',
            arn: 'arn:aws:iam::111122223333:role/GatewayAdmin',
            userName: 'GatewayAdmin',
            accountId: '111122223333',
          },
        },
      },
      'session-1',
    ],
    [
      { Account: '111122223333', Arn: 'arn:aws:iam::111122223333:root', UserId: '111122223333' },
      { type: 'Root' },
      'root',
    ],
    [
      { Account: '123456789012', Arn: 'arn:aws:sts::123456789012:user/moto', UserId: 'AKIA' },
      // moto's answer for keys it did not issue is no valid ARN; CloudTrail gets the IAM user's.
      { type: 'IAMUser', userName: 'moto', arn: 'arn:aws:iam::123456789012:user/moto' },
      'moto',
    ],
  ])('maps %j', (caller, expected, username) => {
    const identity = userIdentityOf(caller, 'AKIDX', now);
    expect(identity).toMatchObject({
      ...expected,
      accessKeyId: 'AKIDX',
      accountId: caller.Account,
    });
    expect(usernameOf(identity)).toBe(username);
  });

  it('caches per access key and retries a failed lookup next time', async () => {
    let calls = 0;
    const cache = new IdentityCache(async (key) => {
      calls += 1;
      if (calls === 1) throw new Error('moto busy');
      return { Account: '123456789012', Arn: `arn:aws:iam::123456789012:user/${key}`, UserId: 'u' };
    });
    expect((await cache.resolve('k1')).type).toBe('Unknown');
    expect((await cache.resolve('k1')).userName).toBe('k1');
    await cache.resolve('k1');
    expect(calls).toBe(2);
    expect(await cache.resolve(undefined)).toEqual({ type: 'Unknown' });
  });
});
