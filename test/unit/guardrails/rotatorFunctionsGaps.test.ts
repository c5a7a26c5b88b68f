import { guardrails } from '../../../lib/guardrails/index.js';
import { decide, MEMBER } from './simulate.js';

/**
 * Attack (attack23): RotatorFunctionsOnlyThroughTheStackSet keeps a member's administrator from
 * deleting the member rotator functions or changing their code and configuration, but not from
 * the calls that stop them just as well: a reserved concurrency of 0 throttles every
 * invocation (Secrets Manager's rotation, the daily sweep that revokes retired credentials, the
 * central `rotate --account`), and removing or re-aiming rotateNow's invoke config drops its
 * failed invocations instead of dead-lettering them.
 */
const set = guardrails({ stage: 'prod' });
const ROTATE = `arn:aws:lambda:us-east-1:${MEMBER}:function:gatewarden-prod-rotate`;
const ROTATE_NOW = `arn:aws:lambda:us-east-1:${MEMBER}:function:gatewarden-prod-rotateNow`;
const STACKSET_EXEC = `arn:aws:iam::${MEMBER}:role/stacksets-exec-5f0e3d2c1b4a`;

describe('the member rotator functions (attack)', () => {
  it('harness: a code update by the member administrator is refused, the StackSet’s admitted', async () => {
    expect(await decide({ set, action: 'lambda:UpdateFunctionCode', resource: ROTATE })).toBe(
      'ExplicitlyDenied',
    );
    expect(
      await decide({
        set,
        action: 'lambda:PutFunctionConcurrency',
        resource: ROTATE,
        principal: STACKSET_EXEC,
      }),
    ).toBe('Allowed');
  });

  it.each([
    ['lambda:PutFunctionConcurrency', ROTATE],
    ['lambda:PutFunctionConcurrency', ROTATE_NOW],
    ['lambda:UpdateFunctionEventInvokeConfig', ROTATE_NOW],
    ['lambda:DeleteFunctionEventInvokeConfig', ROTATE_NOW],
  ])('a member administrator calls %s on %s: refused', async (action, resource) => {
    expect(await decide({ set, action, resource })).toBe('ExplicitlyDenied');
  });
});
