import { forwardedEventsPattern } from '../../../lib/deploy/forwarder.js';
import { packagedTemplate, type CfnTemplate } from './packagedTemplate.js';

/**
 * What a stage outside us-east-1 adds for the events its forwarder puts on its bus
 * (resources/forwarded-events.yml): nothing in us-east-1 (no double delivery there), a bus
 * policy admitting the forwarder's role and AWS services' CloudTrail events only, and one rule
 * handing them to the detect queue.
 */
let template: CfnTemplate;

beforeAll(async () => {
  template = (await packagedTemplate()).template;
}, 300_000);

const resource = (id: string) => {
  const found = template.Resources[id];
  if (!found) throw new Error(`no ${id}`);
  return found;
};

describe('forwarded global-service events on the stage bus', () => {
  it('exist only outside us-east-1', () => {
    expect(template.Conditions?.ReceivesForwardedEvents).toEqual({
      'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'AWS::Region' }, 'us-east-1'] }],
    });
    expect(resource('ForwardedEventsBusPolicy').Condition).toBe('ReceivesForwardedEvents');
    expect(resource('DetectForwardedRule').Condition).toBe('ReceivesForwardedEvents');
  });

  it('admit the forwarder role alone, putting AWS services’ CloudTrail events only', () => {
    const props = resource('ForwardedEventsBusPolicy').Properties as {
      EventBusName: string;
      Statement: Record<string, unknown>;
    };

    expect(props.EventBusName).toBe('gatewarden-ci');
    expect(props.Statement).toMatchObject({
      Effect: 'Allow',
      Action: 'events:PutEvents',
      Condition: {
        StringEquals: {
          'aws:PrincipalArn': {
            'Fn::Sub':
              'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/gatewarden-ci-${AWS::Region}-forwarder',
          },
        },
        'ForAllValues:StringLike': { 'events:source': ['aws.*'] },
        Null: { 'events:source': 'false' },
      },
    });
  });

  it('hand every aws. CloudTrail event on the stage bus to the detect queue', () => {
    const props = resource('DetectForwardedRule').Properties as {
      Name: string;
      EventBusName: string;
      EventPattern: { source: unknown };
      Targets: { Arn: unknown }[];
    };

    expect(props.Name).toBe('gatewarden-ci-detect-forwarded');
    expect(props.EventBusName).toBe('gatewarden-ci');
    expect(props.EventPattern.source).toEqual([{ prefix: 'aws.' }]);
    expect(props.Targets.map((t) => t.Arn)).toEqual([
      { 'Fn::GetAtt': ['DetectEventsQueue', 'Arn'] },
    ]);
  });
});

describe('the stage bus rule taking forwarded events', () => {
  // events:PutPermission on the stage bus would let another account forward its own CloudTrail
  // records there (real `aws.` events, any content it likes to generate): the rule takes this
  // account's records only, and doctor compares the deployed rule with the same pattern.
  it("takes this account's records only, as doctor expects it", () => {
    const props = resource('DetectForwardedRule').Properties as { EventPattern: unknown };

    expect(props.EventPattern).toEqual(
      forwardedEventsPattern({ Ref: 'AWS::AccountId' } as unknown as string),
    );
  });
});
