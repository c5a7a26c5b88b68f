import { runSimulation } from '@cloud-copilot/iam-simulate';
import { packagedTemplate, type CfnTemplate } from './packagedTemplate.js';

/**
 * Which EventBridge rules the detect queue's policy lets deliver, evaluated as IAM does
 * (`ArnLike`'s `*` also matches `/`). A rule on a custom bus has the ARN
 * `rule/<bus>/<rule>`: a bus an attacker names `gatewarden-<stage>-detect-…`
 * (events:CreateEventBus) would give every rule on it an ARN the default-bus pattern
 * `rule/gatewarden-<stage>-detect-*` matches. Such a bus can take real `aws.` CloudTrail events
 * from any account its policy admits — records with any content that account cares to generate
 * — and would hand them to detect as this account's.
 */
let template: CfnTemplate;

beforeAll(async () => {
  template = (await packagedTemplate()).template;
}, 300_000);

const ACCOUNT = '111122223333';
const REGION = 'eu-west-1';
const QUEUE = `arn:aws:sqs:${REGION}:${ACCOUNT}:gatewarden-ci-detect-events`;

/** The template's value with this stage's account, region and queue filled in. */
function resolve(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(resolve);
  if (value === null || typeof value !== 'object') return value;
  const o = value as Record<string, unknown>;
  if (typeof o['Fn::Sub'] === 'string') {
    return o['Fn::Sub']
      .replaceAll('${AWS::Partition}', 'aws')
      .replaceAll('${AWS::Region}', REGION)
      .replaceAll('${AWS::AccountId}', ACCOUNT);
  }
  if (JSON.stringify(o) === JSON.stringify({ 'Fn::GetAtt': ['DetectEventsQueue', 'Arn'] }))
    return QUEUE;
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, resolve(v)]));
}

async function sendAllowed(ruleArn: string): Promise<boolean> {
  const policy = resolve(template.Resources.DetectEventsQueuePolicy?.Properties?.PolicyDocument);
  const result = await runSimulation(
    {
      request: {
        principal: 'events.amazonaws.com',
        action: 'sqs:SendMessage',
        resource: { resource: QUEUE, accountId: ACCOUNT },
        contextVariables: {
          'aws:SourceArn': ruleArn,
          'aws:SourceAccount': ACCOUNT,
          'aws:SecureTransport': 'true',
        },
      },
      identityPolicies: [],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: policy as Record<string, unknown>,
    },
    {},
  );
  if (result.resultType === 'error') throw new Error(JSON.stringify(result.errors));
  return result.overallResult === 'Allowed';
}

const rule = (path: string) => `arn:aws:events:${REGION}:${ACCOUNT}:rule/${path}`;

describe('who may deliver to the detect queue', () => {
  it.each([
    ['a detect rule on the default bus', rule('gatewarden-ci-detect-iam')],
    [
      'the stage bus rule taking forwarded events',
      rule('gatewarden-ci/gatewarden-ci-detect-forwarded'),
    ],
  ])('%s', async (_label, arn) => {
    await expect(sendAllowed(arn)).resolves.toBe(true);
  });

  it.each([
    [
      'a rule on a custom bus named like a detect rule',
      rule('gatewarden-ci-detect-collector/forward-everything'),
    ],
    [
      'a rule named like a detect rule on such a bus',
      rule('gatewarden-ci-detect-collector/gatewarden-ci-detect-iam'),
    ],
    ['a rule on another custom bus', rule('other-bus/gatewarden-ci-detect-iam')],
    ['a rule of another stage', rule('gatewarden-prod-detect-iam')],
  ])('not %s', async (_label, arn) => {
    await expect(sendAllowed(arn)).resolves.toBe(false);
  });
});
