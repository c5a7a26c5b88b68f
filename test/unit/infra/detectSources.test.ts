import { CLOUDTRAIL_DETAIL_TYPES } from '../../../lib/detection/process.js';
import { SCHEDULED_EVENT_DETAIL_TYPE } from '../../../lib/detection/delivery.js';
import { ROUTED_SOURCES, type SourceMatcher } from '../../../lib/detection/sources.js';
import { packagedTemplate, resourcesOfType, type CfnTemplate } from './packagedTemplate.js';
import { allStatements, type LocatedStatement } from './policies.js';

/**
 * What reaches detect, as deployed (issue 17, points 10 and 13): every detect rule names its
 * `aws.` sources (which PutEvents refuses to any caller), delivers to the detect queue, and only
 * those rules may send there; detect reads the queue in batches with a bounded concurrency; the
 * organization bus policy admits member accounts' forwarded AWS events only.
 */

let template: CfnTemplate;
let statements: LocatedStatement[];

beforeAll(async () => {
  template = (await packagedTemplate()).template;
  statements = allStatements(template);
}, 300_000);

const QUEUE_ARN = { 'Fn::GetAtt': ['DetectEventsQueue', 'Arn'] };
const RULE_ARN = [
  {
    'Fn::Sub':
      'arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:rule/gatewarden-ci-detect-*',
  },
  // The rule on the stage's bus taking events forwarded from us-east-1 (forwarded-events.yml).
  {
    'Fn::Sub':
      'arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:rule/gatewarden-ci/gatewarden-ci-detect-*',
  },
];

interface RuleProps {
  Name: string;
  EventPattern?: { source?: unknown; [key: string]: unknown };
  Targets: { Arn: unknown; DeadLetterConfig?: unknown }[];
}

/** Rules with an event pattern (the CloudTrail routes; schedules have none). */
function patternRules(): [string, RuleProps][] {
  return resourcesOfType(template, 'AWS::Events::Rule')
    .map(([id, rule]): [string, RuleProps] => [id, rule.Properties as unknown as RuleProps])
    .filter(([, props]) => props.EventPattern !== undefined);
}

/** A `source` entry that no PutEvents caller can match: an `aws.` value or `aws.` prefix. */
function awsOnly(matcher: unknown): boolean {
  if (typeof matcher === 'string') return matcher.startsWith('aws.');
  if (matcher === null || typeof matcher !== 'object') return false;
  const keys = Object.keys(matcher);
  const prefix = (matcher as { prefix?: unknown }).prefix;
  return keys.length === 1 && typeof prefix === 'string' && prefix.startsWith('aws.');
}

const key = (m: SourceMatcher | unknown): string => JSON.stringify(m);

describe('detect rule sources', () => {
  it('every rule with a pattern is a detect rule delivering to the detect queue', () => {
    const rules = patternRules();
    expect(rules.length).toBeGreaterThanOrEqual(15);
    for (const [id, props] of rules) {
      expect({ id, name: props.Name.startsWith('gatewarden-ci-detect-') }).toEqual({
        id,
        name: true,
      });
      expect({ id, targets: props.Targets.map((t) => t.Arn) }).toEqual({
        id,
        targets: [QUEUE_ARN],
      });
    }
  });

  it('every detect rule pattern names a source list of aws. values only', () => {
    for (const [id, props] of patternRules()) {
      const source = props.EventPattern?.source;
      expect({ id, list: Array.isArray(source) && source.length > 0 }).toEqual({ id, list: true });
      for (const matcher of source as unknown[]) {
        expect({ id, matcher, awsOnly: awsOnly(matcher) }).toEqual({ id, matcher, awsOnly: true });
      }
    }
  });

  it("detect's own list of accepted sources is exactly what the rules route", () => {
    const routed = new Set(
      patternRules().flatMap(([, props]) => (props.EventPattern?.source as unknown[]).map(key)),
    );
    expect([...routed].sort()).toEqual(ROUTED_SOURCES.map(key).sort());
  });
});

describe('detect queue', () => {
  const queue = () => template.Resources.DetectEventsQueue?.Properties ?? {};

  it('only the stage detect rules may send to it; everyone else is denied', () => {
    const own = statements.filter((s) => s.where.startsWith('DetectEventsQueuePolicy/'));
    const allows = own.filter((s) => s.statement.Effect === 'Allow');
    expect(allows).toHaveLength(1);
    expect(allows[0]?.statement).toMatchObject({
      Principal: { Service: 'events.amazonaws.com' },
      Action: 'sqs:SendMessage',
      Resource: QUEUE_ARN,
      Condition: { ArnLike: { 'aws:SourceArn': RULE_ARN } },
    });
    const deny = own.find((s) => s.statement.Sid === 'OnlyDetectRulesSend')?.statement;
    expect(deny).toMatchObject({
      Effect: 'Deny',
      Principal: '*',
      Action: 'sqs:SendMessage',
      Resource: QUEUE_ARN,
      // A request without aws:SourceArn (any user or role) matches ArnNotLike: refused.
      Condition: { ArnNotLike: { 'aws:SourceArn': RULE_ARN } },
    });
  });

  it('keeps what detect cannot process: redrive to the dead-letter queue, long retention', () => {
    expect(queue().RedrivePolicy).toEqual({
      deadLetterTargetArn: { 'Fn::GetAtt': ['DeadLetterQueue', 'Arn'] },
      maxReceiveCount: 5,
    });
    expect(queue().MessageRetentionPeriod).toBe(14 * 86_400);
    expect(queue().SqsManagedSseEnabled).toBe(true);
  });

  it('detect reads it in batches, reporting failed items, at a bounded concurrency', () => {
    const mappings = resourcesOfType(template, 'AWS::Lambda::EventSourceMapping');
    expect(mappings).toHaveLength(1);
    const props = mappings[0]?.[1].Properties ?? {};
    expect(props).toMatchObject({
      EventSourceArn: QUEUE_ARN,
      FunctionName: { 'Fn::GetAtt': ['DetectLambdaFunction', 'Arn'] },
      Enabled: true,
      BatchSize: 100,
      MaximumBatchingWindowInSeconds: 5,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 5 },
    });
    // A batch in progress is not handed out again: six times the function's timeout.
    const timeout = template.Resources.DetectLambdaFunction?.Properties?.Timeout as number;
    expect(queue().VisibilityTimeout).toBeGreaterThanOrEqual(6 * timeout);
  });

  it('the detect role reads it; nothing lets EventBridge invoke detect per event', () => {
    const read = statements.find(
      (s) => s.where.startsWith('DetectRole/') && s.statement.Sid === 'ReadDetectEvents',
    );
    expect(read?.statement).toMatchObject({
      Effect: 'Allow',
      Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'],
      Resource: QUEUE_ARN,
    });
    const eventBridgeInvokes = resourcesOfType(template, 'AWS::Lambda::Permission').filter(
      ([, p]) =>
        p.Properties?.Principal === 'events.amazonaws.com' &&
        JSON.stringify(p.Properties?.FunctionName).includes('DetectLambdaFunction') &&
        // The burst-flush schedule (the framework's schedule rule) invokes it, once per 5 min.
        !JSON.stringify(p.Properties?.SourceArn).includes('RuleSchedule'),
    );
    expect(eventBridgeInvokes.map(([id]) => id)).toEqual([]);
  });
});

describe('organization bus policy', () => {
  it('admits organization members forwarding AWS CloudTrail events and their heartbeats, nothing else', () => {
    const [allow] = statements.filter((s) => s.where === 'OrganizationEventsBusPolicy/policy');
    expect(allow?.statement).toMatchObject({ Effect: 'Allow', Action: 'events:PutEvents' });
    expect(allow?.statement.Condition).toEqual({
      StringEquals: { 'aws:PrincipalOrgID': { Ref: 'OrganizationId' } },
      'ForAllValues:StringLike': { 'events:source': ['aws.*'] },
      'ForAllValues:StringEquals': {
        'events:detail-type': [...CLOUDTRAIL_DETAIL_TYPES, SCHEDULED_EVENT_DETAIL_TYPE],
      },
      Null: { 'events:source': 'false' },
    });
  });
});
