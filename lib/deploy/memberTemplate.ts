import { HEARTBEAT_RULE_NAME, HEARTBEAT_SCHEDULE } from '../detection/delivery.js';
import { GLOBAL_EVENTS_REGION } from '../detection/sources.js';
import { globalPart, rulesOnlyTrust, type DetectRoute, type DetectRoutes } from './forwarder.js';

/**
 * The member template: what the central stage's service-managed StackSet
 * (resources/organization.yml) puts in every account of the chosen OUs, in every chosen region
 * and in us-east-1. Generated, never hand-written: `npm run member-template:generate` writes it
 * into resources/member-stackset.yml from resources/detect-patterns.yml, and a template test
 * fails when that file is behind.
 *
 * - Forwarding: one rule per detect route on the member's default bus, targeting the central
 *   account's default bus (cross-account, cross-Region: through a role EventBridge assumes for
 *   these rules only). In us-east-1 a route takes its global part too (IAM, STS, sign-in,
 *   Organizations, Account reach EventBridge there alone); when us-east-1 is not a chosen
 *   region, only the global parts are forwarded from it. The central account forwards nothing
 *   (its own rules see its events; a rule aimed at the bus it sits on would loop).
 * - Heartbeat: a scheduled rule in every region the instance forwards from (us-east-1
 *   included), whose target is the central bus itself through the same role: proof for
 *   `doctor --org` that this account and region's deliveries arrive, even when nothing happens
 *   (lib/detection/delivery.ts).
 * - Reading: one role, in us-east-1 only (IAM is global; one stack instance creates it),
 *   assumable only by the central report role, inside the organization, with the reads of the
 *   member inventory and posture and nothing else ({@link MEMBER_READ_STATEMENTS}).
 *
 * Every central value is a StackSet parameter, so the template is the same text for every
 * stage and every account. The rotation functions are a second StackSet's template
 * (lib/deploy/memberRotation.ts): one template body holds at most 51,200 characters.
 */

/** The route that widens `secretReads` to every secret: central only, never forwarded twice. */
const CENTRAL_ONLY_ROUTES = new Set(['allSecretReads']);

/** Parameters the central StackSet passes (resources/organization.yml). */
export const MEMBER_PARAMETERS = {
  Stage: 'The gatewarden stage the member belongs to',
  CentralAccountId: 'The security account the stage runs in',
  CentralBusArn: 'The default bus of the central stage, which receives forwarded events',
  ReportRoleArn: 'The central report role, the only principal that may assume the read role',
  OrganizationId: 'The organization the report role must belong to (aws:PrincipalOrgID)',
  UsEast1Scope:
    "'all' when us-east-1 is a chosen region, 'global' when the instance there only forwards global-service events",
} as const;

/** The read role's name in every member account (the central report assumes it by ARN). */
export const MEMBER_READ_ROLE_NAME = 'gatewarden-${Stage}-member-read';

/** `gatewarden-<stage>-member-read` in `account`: what the report assumes. */
export function memberReadRoleArn(stage: string, account: string, partition = 'aws'): string {
  return `arn:${partition}:iam::${account}:role/${MEMBER_READ_ROLE_NAME.replace('${Stage}', stage)}`;
}

/** Member forwarding rules start with this (per stage, per region on the member's bus). */
export const MEMBER_RULE_PREFIX = 'gatewarden-${Stage}-org-';

const ARN = (service: string, resource: string, region = '*') => ({
  'Fn::Sub': `arn:\${AWS::Partition}:${service}:${region}:\${AWS::AccountId}:${resource}`,
});

/**
 * The reads of the member inventory and posture (the report role's own grants in
 * resources/role-report.yml, across every region of the account): gateways, their targets,
 * policy engines, workload identities, token vault and credential providers, IAM's
 * authorization details, trails, and gateway secrets' metadata. No usage (the organization
 * trail is read centrally on Athena), no secret value, nothing that writes.
 */
export const MEMBER_READ_STATEMENTS: readonly Record<string, unknown>[] = [
  {
    Sid: 'ListWithoutResourceScope',
    Effect: 'Allow',
    Action: [
      'iam:GetAccountAuthorizationDetails',
      'bedrock-agentcore:ListGateways',
      'cloudtrail:DescribeTrails',
      'secretsmanager:ListSecrets',
    ],
    Resource: '*',
  },
  {
    Sid: 'ReadGateways',
    Effect: 'Allow',
    Action: [
      'bedrock-agentcore:GetGateway',
      'bedrock-agentcore:ListGatewayTargets',
      'bedrock-agentcore:GetGatewayTarget',
      'bedrock-agentcore:GetResourcePolicy',
    ],
    Resource: ARN('bedrock-agentcore', 'gateway/*'),
  },
  {
    Sid: 'ReadPolicyEngines',
    Effect: 'Allow',
    Action: [
      'bedrock-agentcore:GetPolicyEngine',
      'bedrock-agentcore:ListPolicies',
      'bedrock-agentcore:GetPolicy',
    ],
    Resource: ARN('bedrock-agentcore', 'policy-engine/*'),
  },
  {
    Sid: 'ReadGatewayWorkloadIdentities',
    Effect: 'Allow',
    Action: 'bedrock-agentcore:GetWorkloadIdentity',
    Resource: [
      ARN('bedrock-agentcore', 'workload-identity-directory/default'),
      ARN('bedrock-agentcore', 'workload-identity-directory/default/workload-identity/*'),
    ],
  },
  {
    Sid: 'ReadTokenVault',
    Effect: 'Allow',
    Action: 'bedrock-agentcore:GetTokenVault',
    Resource: ARN('bedrock-agentcore', 'token-vault/default'),
  },
  {
    Sid: 'ReadCredentialProviders',
    Effect: 'Allow',
    Action: [
      'bedrock-agentcore:ListApiKeyCredentialProviders',
      'bedrock-agentcore:GetApiKeyCredentialProvider',
      'bedrock-agentcore:ListOauth2CredentialProviders',
      'bedrock-agentcore:GetOauth2CredentialProvider',
    ],
    Resource: [
      ARN('bedrock-agentcore', 'token-vault/default'),
      ARN('bedrock-agentcore', 'token-vault/default/apikeycredentialprovider/*'),
      ARN('bedrock-agentcore', 'token-vault/default/oauth2credentialprovider/*'),
    ],
  },
  {
    Sid: 'TrailStatus',
    Effect: 'Allow',
    Action: 'cloudtrail:GetTrailStatus',
    Resource: ARN('cloudtrail', 'trail/*'),
  },
  // `doctor --org`: whether the member's own trails log all management events (and gateway
  // data events); DescribeTrails and GetTrailStatus above are the report's.
  {
    Sid: 'ReadTrailSelectors',
    Effect: 'Allow',
    Action: 'cloudtrail:GetEventSelectors',
    Resource: ARN('cloudtrail', 'trail/*'),
  },
  // `doctor --org`: the member's forwarding rules, present, enabled and aimed at the central bus.
  {
    Sid: 'ListForwardingRules',
    Effect: 'Allow',
    Action: 'events:ListRules',
    Resource: '*',
  },
  {
    Sid: 'ReadForwardingRuleTargets',
    Effect: 'Allow',
    Action: 'events:ListTargetsByRule',
    Resource: ARN('events', 'rule/gatewarden-${Stage}-org-*'),
  },
  {
    Sid: 'DescribeGatewaySecrets',
    Effect: 'Allow',
    Action: 'secretsmanager:DescribeSecret',
    Resource: [
      ARN('secretsmanager', 'secret:gatewarden/*'),
      ARN('secretsmanager', 'secret:bedrock-agentcore-identity!default/*'),
    ],
  },
];

const capitalized = (key: string) => key.charAt(0).toUpperCase() + key.slice(1);

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * The forwarding rules a member's stack instance holds in `region` (the template's
 * ForwardsRegional / Forwards / ForwardsGlobal conditions): every route with a regional part
 * outside us-east-1; in us-east-1 every route when it is a chosen region, else only the routes
 * with a global part; and the heartbeat in every region. `doctor --org` compares the member's rules with these names.
 */
export function expectedMemberRules(
  routes: DetectRoutes,
  stage: string,
  region: string,
  usEast1Chosen: boolean,
): string[] {
  const inGlobalRegion = region === GLOBAL_EVENTS_REGION;
  return Object.entries(routes)
    .filter(([key, route]) => {
      if (CENTRAL_ONLY_ROUTES.has(key)) return false;
      const global = globalPart(route);
      const onlyGlobal = global !== undefined && sameJson(global.pattern, route.pattern);
      if (!inGlobalRegion) return !onlyGlobal;
      return usEast1Chosen || global !== undefined;
    })
    .map(([key]) => `${MEMBER_RULE_PREFIX.replace('${Stage}', stage)}${key}`)
    .concat(HEARTBEAT_RULE_NAME.replace('${Stage}', stage))
    .sort();
}

/**
 * The schedule the template gives a member's rule `name` (the heartbeat's), or undefined for a
 * rule with an event pattern instead. A heartbeat kept by name and target but slowed to once a
 * week would make the doctor's delivery line fail for no delivery fault: compared too.
 */
export function expectedMemberRuleSchedule(stage: string, name: string): string | undefined {
  return name === HEARTBEAT_RULE_NAME.replace('${Stage}', stage) ? HEARTBEAT_SCHEDULE : undefined;
}

/**
 * The event pattern the template gives a member's rule `name` in `region` (the `GlobalOnly`
 * choice of {@link forwardingRule}), or undefined for a name that is not one of its rules.
 * `doctor --org` compares it with the member's: a rule kept by name, state and target but given
 * a pattern that matches nothing blinds the central detect just as a deleted rule does.
 */
export function expectedMemberRulePattern(
  routes: DetectRoutes,
  stage: string,
  region: string,
  usEast1Chosen: boolean,
  name: string,
): unknown {
  const prefix = MEMBER_RULE_PREFIX.replace('${Stage}', stage);
  if (!name.startsWith(prefix)) return undefined;
  const key = name.slice(prefix.length);
  const route =
    Object.hasOwn(routes, key) && !CENTRAL_ONLY_ROUTES.has(key) ? routes[key] : undefined;
  if (route === undefined) return undefined;
  const global = globalPart(route);
  const globalOnly = region === GLOBAL_EVENTS_REGION && !usEast1Chosen;
  return global !== undefined && globalOnly ? global.pattern : route.pattern;
}

/** A route's rule: its pattern where the region sees it, its global part where only that. */
function forwardingRule(key: string, route: DetectRoute): Record<string, unknown> | undefined {
  const global = globalPart(route);
  const onlyGlobal = global !== undefined && sameJson(global.pattern, route.pattern);
  const condition =
    global === undefined ? 'ForwardsRegional' : onlyGlobal ? 'ForwardsGlobal' : 'Forwards';
  const pattern =
    global === undefined || onlyGlobal
      ? route.pattern
      : { 'Fn::If': ['GlobalOnly', global.pattern, route.pattern] };
  return {
    Type: 'AWS::Events::Rule',
    Condition: condition,
    Properties: {
      Name: { 'Fn::Sub': `${MEMBER_RULE_PREFIX}${key}` },
      Description: { 'Fn::Sub': `Detect route ${key}, forwarded to gatewarden \${Stage}` },
      EventBusName: 'default',
      State: route.state,
      EventPattern: pattern,
      Targets: [
        {
          Id: 'central-bus',
          Arn: { Ref: 'CentralBusArn' },
          RoleArn: { 'Fn::GetAtt': ['ForwarderRole', 'Arn'] },
        },
      ],
    },
  };
}

/** The member template (see the module comment), from the detect routes. */
export function memberTemplate(routes: DetectRoutes): Record<string, unknown> {
  const parameters = Object.fromEntries(
    Object.entries(MEMBER_PARAMETERS).map(([name, description]) => [
      name,
      name === 'UsEast1Scope'
        ? { Type: 'String', AllowedValues: ['all', 'global'], Description: description }
        : { Type: 'String', Description: description },
    ]),
  );
  const resources: Record<string, unknown> = {
    ForwarderRole: {
      Type: 'AWS::IAM::Role',
      Condition: 'Forwards',
      Properties: {
        // Per region: IAM is global, and every regional instance has its own rules.
        RoleName: { 'Fn::Sub': 'gatewarden-${Stage}-${AWS::Region}-org-forwarder' },
        Description: { 'Fn::Sub': 'EventBridge forwards detect events to gatewarden ${Stage}' },
        AssumeRolePolicyDocument: rulesOnlyTrust('ForwardingRulesOnly', MEMBER_RULE_PREFIX),
        Policies: [
          {
            PolicyName: 'put-on-central-bus',
            PolicyDocument: {
              Version: '2012-10-17',
              Statement: [
                {
                  Sid: 'PutAwsEventsOnTheCentralBus',
                  Effect: 'Allow',
                  Action: 'events:PutEvents',
                  Resource: { Ref: 'CentralBusArn' },
                  Condition: {
                    'ForAllValues:StringLike': { 'events:source': ['aws.*'] },
                    Null: { 'events:source': 'false' },
                  },
                },
              ],
            },
          },
        ],
      },
    },
    ReadRole: {
      Type: 'AWS::IAM::Role',
      Condition: 'InGlobalRegion',
      Properties: {
        RoleName: { 'Fn::Sub': MEMBER_READ_ROLE_NAME },
        Description: {
          'Fn::Sub': 'gatewarden ${Stage}: member inventory for the central report (read-only)',
        },
        MaxSessionDuration: 3600,
        AssumeRolePolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'CentralReportRoleOnly',
              Effect: 'Allow',
              Principal: { AWS: { Ref: 'ReportRoleArn' } },
              Action: 'sts:AssumeRole',
              Condition: { StringEquals: { 'aws:PrincipalOrgID': { Ref: 'OrganizationId' } } },
            },
          ],
        },
        Policies: [
          {
            PolicyName: 'member-inventory',
            PolicyDocument: { Version: '2012-10-17', Statement: MEMBER_READ_STATEMENTS },
          },
        ],
        Tags: [
          { Key: 'service', Value: 'gatewarden' },
          { Key: 'stage', Value: { Ref: 'Stage' } },
        ],
      },
    },
  };
  resources.HeartbeatRule = {
    Type: 'AWS::Events::Rule',
    Condition: 'Forwards',
    Properties: {
      Name: { 'Fn::Sub': HEARTBEAT_RULE_NAME },
      Description: {
        'Fn::Sub':
          'Delivery heartbeat to gatewarden ${Stage}: recorded centrally, never alerted on',
      },
      // Scheduled rules live on the default bus; their event is `aws.events` /
      // `Scheduled Event` with this rule's ARN in `resources`, delivered to the target as is.
      ScheduleExpression: HEARTBEAT_SCHEDULE,
      State: 'ENABLED',
      Targets: [
        {
          Id: 'central-bus',
          Arn: { Ref: 'CentralBusArn' },
          RoleArn: { 'Fn::GetAtt': ['ForwarderRole', 'Arn'] },
        },
      ],
    },
  };
  for (const [key, route] of Object.entries(routes)) {
    if (CENTRAL_ONLY_ROUTES.has(key)) continue;
    const rule = forwardingRule(key, route);
    if (rule) resources[`Forward${capitalized(key)}Rule`] = rule;
  }
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description:
      'gatewarden member: forwards detect events to the central account and lets the central report read the inventory',
    Parameters: parameters,
    Conditions: {
      IsCentralAccount: { 'Fn::Equals': [{ Ref: 'AWS::AccountId' }, { Ref: 'CentralAccountId' }] },
      InGlobalRegion: { 'Fn::Equals': [{ Ref: 'AWS::Region' }, GLOBAL_EVENTS_REGION] },
      GlobalOnly: {
        'Fn::And': [
          { Condition: 'InGlobalRegion' },
          { 'Fn::Equals': [{ Ref: 'UsEast1Scope' }, 'global'] },
        ],
      },
      Forwards: { 'Fn::Not': [{ Condition: 'IsCentralAccount' }] },
      ForwardsRegional: {
        'Fn::And': [{ Condition: 'Forwards' }, { 'Fn::Not': [{ Condition: 'GlobalOnly' }] }],
      },
      ForwardsGlobal: { 'Fn::And': [{ Condition: 'Forwards' }, { Condition: 'InGlobalRegion' }] },
    },
    Resources: resources,
  };
}

/** Where the generated template lives, for serverless.yml's `${file(...)}`. */
export const MEMBER_STACKSET_FILE = 'resources/member-stackset.yml';

/**
 * The text of {@link MEMBER_STACKSET_FILE}: the member template as the JSON string a StackSet's
 * `TemplateBody` takes, in a YAML single-quoted scalar (its only escape: `'` doubled).
 */
export function memberStacksetFile(routes: DetectRoutes): string {
  const body = JSON.stringify(memberTemplate(routes)).replace(/'/g, "''");
  return [
    '# Generated by `npm run member-template:generate` from resources/detect-patterns.yml',
    '# (lib/deploy/memberTemplate.ts): do not edit. The template of the member StackSet',
    '# (resources/organization.yml); a template test fails when this file is behind.',
    `templateBody: '${body}'`,
    '',
  ].join('\n');
}
