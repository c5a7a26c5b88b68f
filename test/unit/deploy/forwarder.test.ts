import { runSimulation } from '@cloud-copilot/iam-simulate';
import { neededEvents, patternMatches } from '../../../lib/doctor/index.js';
import { GLOBAL_SOURCES } from '../../../lib/detection/sources.js';
import { readDetectRoutes } from '../../../lib/deploy/detectRoutes.js';
import {
  checkForwarderTarget,
  forwardedRoutes,
  forwarderTemplate,
  type DetectRoutes,
} from '../../../lib/deploy/forwarder.js';

const routes = readDetectRoutes();
const target = { stage: 'prod', region: 'eu-west-1' };

interface Rule {
  Type: string;
  Properties: {
    Name: string;
    State: string;
    EventPattern: Record<string, unknown>;
    Targets: { Arn: unknown; RoleArn: unknown }[];
  };
}

describe('forwarded routes (derived from resources/detect-patterns.yml)', () => {
  it('forwards every global-service event a detection rule needs', () => {
    // Prepare
    const forwarded = forwardedRoutes(routes);
    const needed = neededEvents().filter((e) => GLOBAL_SOURCES.includes(e.source));

    // Assess: the same check doctor makes of the stage's own rules, on the forwarder's
    expect(needed.length).toBeGreaterThan(0);
    const missing = needed.filter(
      (event) => !forwarded.some((route) => patternMatches(route.pattern, event)),
    );
    expect(missing).toEqual([]);
  });

  it('keeps each route as it is but for its sources, narrowed to the global ones', () => {
    const byKey = Object.fromEntries(forwardedRoutes(routes).map((r) => [r.key, r]));

    // A route of one global source is forwarded whole, its state included.
    expect(byKey.iam?.pattern).toEqual(routes.iam?.pattern);
    expect(byKey.sts?.state).toBe('ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS');
    // The any-service routes (`aws.` prefix) take every global source, and nothing else.
    expect(byKey.root?.pattern.source).toEqual(GLOBAL_SOURCES);
    expect(byKey.root?.pattern.detail).toEqual(
      (routes.root?.pattern as { detail: unknown }).detail,
    );
    // A route of several services keeps its global ones, its eventSource list narrowed too.
    expect(byKey.defenseEvasion?.pattern.source).toEqual(['aws.organizations']);
    expect(byKey.defenseEvasion?.pattern.detail).toMatchObject({
      eventSource: ['organizations.amazonaws.com'],
    });
    // Regional routes stay in the stage's region.
    for (const regional of ['agentcore', 'secrets', 'kms', 'lambda', 'cognito'])
      expect(byKey[regional]).toBeUndefined();
  });

  it('forwards a route added to the list without anyone copying it', () => {
    const added: DetectRoutes = {
      ...routes,
      newIamRoute: {
        state: 'ENABLED',
        pattern: { source: ['aws.iam'], detail: { eventName: ['TagRole'] } },
      },
    };

    const keys = forwardedRoutes(added).map((r) => r.key);

    expect(keys).toContain('newIamRoute');
  });

  it('refuses a route whose sources it cannot read', () => {
    expect(() =>
      forwardedRoutes({ odd: { state: 'ENABLED', pattern: { detail: { eventName: ['X'] } } } }),
    ).toThrow(/source list/);
  });
});

describe('the forwarder template', () => {
  const template = forwarderTemplate(target, routes) as {
    Resources: Record<string, Rule & { Properties: Record<string, unknown> }>;
  };
  const resources = Object.values(template.Resources);
  const rules = resources.filter((r) => r.Type === 'AWS::Events::Rule') as Rule[];
  const busArn = {
    'Fn::Sub': 'arn:${AWS::Partition}:events:eu-west-1:${AWS::AccountId}:event-bus/gatewarden-prod',
  };

  it('holds one rule per forwarded route, each on the default bus and aimed at the stage bus', () => {
    expect(rules.map((r) => r.Properties.Name).sort()).toEqual(
      forwardedRoutes(routes)
        .map((r) => `gatewarden-prod-eu-west-1-fwd-${r.key}`)
        .sort(),
    );
    for (const rule of rules) {
      expect(rule.Properties.Targets).toEqual([
        { Id: 'stage-bus', Arn: busArn, RoleArn: { 'Fn::GetAtt': ['ForwarderRole', 'Arn'] } },
      ]);
    }
  });

  it('lets its role put only aws. events, only on the stage bus, assumed only for its rules', () => {
    const role = template.Resources.ForwarderRole?.Properties as unknown as {
      AssumeRolePolicyDocument: { Statement: Record<string, unknown>[] };
      Policies: { PolicyDocument: { Statement: Record<string, unknown>[] } }[];
    };

    expect(role.Policies).toHaveLength(1);
    expect(role.Policies[0]?.PolicyDocument.Statement).toEqual([
      expect.objectContaining({
        Effect: 'Allow',
        Action: 'events:PutEvents',
        Resource: busArn,
        Condition: {
          'ForAllValues:StringLike': { 'events:source': ['aws.*'] },
          Null: { 'events:source': 'false' },
        },
      }),
    ]);
    expect(role.AssumeRolePolicyDocument.Statement).toEqual([
      expect.objectContaining({
        Principal: { Service: 'events.amazonaws.com' },
        Condition: {
          StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
          ArnLike: {
            'aws:SourceArn': {
              'Fn::Sub':
                'arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:rule/gatewarden-prod-eu-west-1-fwd-*',
            },
          },
          ArnNotLike: {
            'aws:SourceArn': {
              'Fn::Sub':
                'arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:rule/gatewarden-prod-eu-west-1-fwd-*/*',
            },
          },
        },
      }),
    ]);
  });

  // ArnLike's `*` matches `/` too: every rule on a custom bus named `gatewarden-…-fwd-x`
  // (events:CreateEventBus) would have an ARN the rule pattern matches, and that bus can take
  // other accounts' `aws.` events.
  it.each([
    ['its own rule on the default bus', 'rule/gatewarden-prod-eu-west-1-fwd-iam', true],
    ['a rule on a bus named like its rules', 'rule/gatewarden-prod-eu-west-1-fwd-x/any', false],
    ['another stage', 'rule/gatewarden-dev-eu-west-1-fwd-iam', false],
  ])('EventBridge may assume its role for %s: %s', async (_label, path, allowed) => {
    const resolve = (value: unknown): unknown => {
      if (Array.isArray(value)) return value.map(resolve);
      if (value === null || typeof value !== 'object') return value;
      const o = value as Record<string, unknown>;
      if (typeof o['Fn::Sub'] === 'string')
        return o['Fn::Sub']
          .replaceAll('${AWS::Partition}', 'aws')
          .replaceAll('${AWS::Region}', 'us-east-1')
          .replaceAll('${AWS::AccountId}', '111122223333');
      if (o.Ref === 'AWS::AccountId') return '111122223333';
      return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, resolve(v)]));
    };
    const trust = resolve(
      (
        template.Resources.ForwarderRole?.Properties as unknown as {
          AssumeRolePolicyDocument: unknown;
        }
      ).AssumeRolePolicyDocument,
    ) as Record<string, unknown>;

    const result = await runSimulation(
      {
        request: {
          principal: 'events.amazonaws.com',
          action: 'sts:AssumeRole',
          resource: {
            resource: 'arn:aws:iam::111122223333:role/gatewarden-prod-eu-west-1-forwarder',
            accountId: '111122223333',
          },
          contextVariables: {
            'aws:SourceArn': `arn:aws:events:us-east-1:111122223333:${path}`,
            'aws:SourceAccount': '111122223333',
          },
        },
        identityPolicies: [],
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        resourcePolicy: trust,
      },
      {},
    );

    if (result.resultType === 'error') throw new Error(JSON.stringify(result.errors));
    expect(result.overallResult === 'Allowed').toBe(allowed);
  });

  it.each([
    [{ stage: 'prod', region: 'us-east-1' }, /needs no forwarder/],
    [{ stage: 'prod', region: 'Europe' }, /not a region/],
    [{ stage: 'prod/x', region: 'eu-west-1' }, /not a stage/],
    [{ stage: 'a'.repeat(40), region: 'ap-southeast-2' }, /too long/],
  ])('refuses %j', (bad, message) => {
    expect(() => checkForwarderTarget(bad)).toThrow(message);
  });
});
