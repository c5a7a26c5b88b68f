import { unchangedTargetArns } from '../../../lib/aws/organizationDoctor.js';

/**
 * Attack on `doctor --org`: a member's administrator keeps the forwarding rule's target on the
 * central bus but gives it a constant Input, an InputPath or an InputTransformer. The target's
 * ARN is still the central bus, yet what arrives is not the member's event.
 */
const BUS = 'arn:aws:events:eu-west-1:999999999999:event-bus/default';

describe('doctor --org: what a forwarding target delivers', () => {
  it('counts a target that delivers the event as it is', () => {
    expect(
      unchangedTargetArns([{ Id: 'central-bus', Arn: BUS, RoleArn: 'arn:aws:iam::1:role/r' }]),
    ).toEqual([BUS]);
  });

  it.each([
    ['a constant Input', { Input: '{"source":"aws.nothing"}' }],
    ['an InputPath', { InputPath: '$.detail.requestParameters' }],
    ['an InputTransformer', { InputTransformer: { InputTemplate: '{}' } }],
  ])('does not count a target with %s', (_name, change) => {
    expect(unchangedTargetArns([{ Id: 'central-bus', Arn: BUS, ...change }])).toEqual([]);
  });
});
