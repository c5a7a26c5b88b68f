import {
  GLOBAL_EVENTS_REGION,
  GLOBAL_SOURCES,
  sourceMatches,
  type SourceMatcher,
} from '../detection/sources.js';

/**
 * The forwarder: global services (IAM, STS's global endpoint, console sign-in, Organizations,
 * Account Management) deliver their CloudTrail events to EventBridge in us-east-1 only, so a
 * stage in any other region would never see them. A small stack in us-east-1 holds one rule per
 * detect route that takes global events — the route's own pattern, narrowed to the global
 * sources — each targeting the stage's bus in its region (a cross-Region event bus target) with
 * a role that may put events there and nowhere else. On the stage's bus, one rule
 * (resources/forwarded-events.yml) hands them to the detect queue. The events keep their `aws.`
 * source, which no PutEvents caller can send.
 *
 * Derived, never copied: the patterns come from resources/detect-patterns.yml, the list the
 * stage's own detect rules are built from, so a route added there is forwarded on the next
 * `gatewarden forwarder deploy` (and doctor says when the deployed forwarder is behind).
 */

/** One entry of resources/detect-patterns.yml. */
export interface DetectRoute {
  state: string;
  pattern: Record<string, unknown>;
}

export type DetectRoutes = Readonly<Record<string, DetectRoute>>;

/** A detect route's global part, as a forwarder rule carries it. */
export interface ForwardedRoute {
  /** The detect-patterns.yml key it comes from (e.g. `iam`, `root`). */
  key: string;
  state: string;
  pattern: Record<string, unknown>;
}

/** Where a forwarder sends: a stage and the region it is deployed in. */
export interface ForwarderTarget {
  stage: string;
  /** The stage's region; never us-east-1, which receives the global events itself. */
  region: string;
}

const STAGE = /^[A-Za-z0-9-]+$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
/** EventBridge rule and IAM role names: at most 64 characters. */
const MAX_NAME = 64;

/** The CloudFormation stack of a stage's forwarder, in us-east-1. */
export function forwarderStackName(target: ForwarderTarget): string {
  return `gatewarden-${target.stage}-forwarder-${target.region}`;
}

/** Every forwarder rule of a stage starts with this (ListRules NamePrefix). */
export function forwarderRulePrefix(target: ForwarderTarget): string {
  return `gatewarden-${target.stage}-${target.region}-fwd-`;
}

export function forwarderRuleName(target: ForwarderTarget, key: string): string {
  return `${forwarderRulePrefix(target)}${key}`;
}

/** The role EventBridge assumes to put forwarded events on the stage's bus. */
export function forwarderRoleName(target: ForwarderTarget): string {
  return `gatewarden-${target.stage}-${target.region}-forwarder`;
}

/** The stage's own bus (resources/alerts.yml `EventBus`), which receives forwarded events. */
export function stageBusArn(target: ForwarderTarget, account: string, partition = 'aws'): string {
  return `arn:${partition}:events:${target.region}:${account}:event-bus/gatewarden-${target.stage}`;
}

/** The rule on the stage's bus handing forwarded events to detect (resources/forwarded-events.yml). */
export function forwardedEventsRuleName(stage: string): string {
  return `gatewarden-${stage}-detect-forwarded`;
}

/**
 * That rule's pattern as deployed: AWS services' CloudTrail events of the stage's own account
 * only. The forwarder sends this account's us-east-1 events; pinning the account keeps a
 * statement added to the bus policy (events:PutPermission) from letting another account's
 * forwarded records reach detect as if they were this account's.
 */
export function forwardedEventsPattern(account: string): Record<string, unknown> {
  return {
    source: [{ prefix: 'aws.' }],
    'detail-type': [
      'AWS API Call via CloudTrail',
      'AWS Service Event via CloudTrail',
      'AWS Console Sign In via CloudTrail',
    ],
    account: [account],
  };
}

/** The command that deploys (or updates) a stage's forwarder. */
export function forwarderCommand(target: ForwarderTarget): string {
  return `npx gatewarden forwarder deploy --stage ${target.stage} --region ${target.region}`;
}

/**
 * Refuses a target no forwarder should have: a malformed stage or region, names too long for
 * EventBridge or IAM, and us-east-1, where the stage's own rules already receive every global
 * event (a forwarder there would hand detect each of them a second time).
 */
export function checkForwarderTarget(target: ForwarderTarget): void {
  if (!STAGE.test(target.stage))
    throw new RangeError(`stage "${target.stage}" is not a stage name`);
  if (!REGION.test(target.region))
    throw new RangeError(`region "${target.region}" is not a region name`);
  if (target.region === GLOBAL_EVENTS_REGION) {
    throw new RangeError(
      `a stage in ${GLOBAL_EVENTS_REGION} receives global-service events itself: it needs no forwarder (one would deliver each event twice)`,
    );
  }
  const longest = forwarderRuleName(target, 'defenseEvasion');
  for (const name of [longest, forwarderRoleName(target)]) {
    if (name.length > MAX_NAME)
      throw new RangeError(`stage name too long for the forwarder: ${name} exceeds ${MAX_NAME}`);
  }
}

const isMatcher = (value: unknown): value is SourceMatcher =>
  typeof value === 'string' ||
  (typeof value === 'object' &&
    value !== null &&
    typeof (value as { prefix?: unknown }).prefix === 'string');

/** `iam.amazonaws.com` → `aws.iam`. */
const sourceOfEventSource = (eventSource: string) =>
  `aws.${eventSource.replace(/\.amazonaws\.com$/, '')}`;

/**
 * The global part of one detect route, or undefined when it takes no global source: its
 * `source` narrowed to the global sources it matches (the `aws.` prefix of the any-service
 * routes takes them all), and a listed `detail.eventSource` narrowed with it. Everything else
 * (event names, states, request fields) is the route's own.
 */
export function globalPart(route: DetectRoute): DetectRoute | undefined {
  const sources = route.pattern.source;
  if (!Array.isArray(sources) || !sources.every(isMatcher)) {
    throw new RangeError('a detect route without a source list: cannot tell what it forwards');
  }
  const kept = GLOBAL_SOURCES.filter((source) => sources.some((m) => sourceMatches(source, m)));
  if (kept.length === 0) return undefined;
  const pattern: Record<string, unknown> = { ...route.pattern, source: kept };
  const detail = route.pattern.detail as Record<string, unknown> | undefined;
  const eventSources = detail?.eventSource;
  if (Array.isArray(eventSources) && eventSources.every((s) => typeof s === 'string')) {
    const narrowed = eventSources.filter((s) => kept.includes(sourceOfEventSource(s)));
    if (narrowed.length === 0) return undefined;
    pattern.detail = { ...detail, eventSource: narrowed };
  }
  return { state: route.state, pattern };
}

/** Every detect route's global part, in the order of detect-patterns.yml. */
export function forwardedRoutes(routes: DetectRoutes): ForwardedRoute[] {
  const out: ForwardedRoute[] = [];
  for (const [key, route] of Object.entries(routes)) {
    const part = globalPart(route);
    if (part) out.push({ key, ...part });
  }
  return out;
}

const capitalized = (key: string) => key.charAt(0).toUpperCase() + key.slice(1);

/**
 * The trust of a forwarding role: EventBridge may assume it only for this account's rules whose
 * names start with `rulePrefix`. ArnLike's `*` matches `/` too, so the rules of a custom bus
 * named like them (a bus that could take other accounts' events) are excluded.
 */
export function rulesOnlyTrust(sid: string, rulePrefix: string): Record<string, unknown> {
  const rules = `arn:\${AWS::Partition}:events:\${AWS::Region}:\${AWS::AccountId}:rule/${rulePrefix}*`;
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: sid,
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: 'sts:AssumeRole',
        Condition: {
          StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
          ArnLike: { 'aws:SourceArn': { 'Fn::Sub': rules } },
          ArnNotLike: { 'aws:SourceArn': { 'Fn::Sub': `${rules}/*` } },
        },
      },
    ],
  };
}

/**
 * The forwarder's CloudFormation template (deployed in us-east-1 as
 * {@link forwarderStackName}): a role EventBridge may assume only for these rules, allowed
 * `events:PutEvents` of `aws.` events on the stage's bus alone, and one rule per forwarded
 * route. Account and partition stay CloudFormation's (`${AWS::AccountId}`).
 */
export function forwarderTemplate(
  target: ForwarderTarget,
  routes: DetectRoutes,
): Record<string, unknown> {
  checkForwarderTarget(target);
  const forwarded = forwardedRoutes(routes);
  const busArn = `arn:\${AWS::Partition}:events:${target.region}:\${AWS::AccountId}:event-bus/gatewarden-${target.stage}`;
  const resources: Record<string, unknown> = {
    ForwarderRole: {
      Type: 'AWS::IAM::Role',
      Properties: {
        RoleName: forwarderRoleName(target),
        Description: `EventBridge forwards global-service events to gatewarden ${target.stage} in ${target.region}`,
        AssumeRolePolicyDocument: rulesOnlyTrust('ForwarderRulesOnly', forwarderRulePrefix(target)),
        Policies: [
          {
            PolicyName: 'put-on-stage-bus',
            PolicyDocument: {
              Version: '2012-10-17',
              Statement: [
                {
                  Sid: 'PutAwsEventsOnTheStageBus',
                  Effect: 'Allow',
                  Action: 'events:PutEvents',
                  Resource: { 'Fn::Sub': busArn },
                  // What a forwarder rule puts: AWS services' CloudTrail events, nothing else.
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
  };
  for (const route of forwarded) {
    resources[`Forward${capitalized(route.key)}Rule`] = {
      Type: 'AWS::Events::Rule',
      Properties: {
        Name: forwarderRuleName(target, route.key),
        Description: `Global-service events of detect route ${route.key}, to gatewarden ${target.stage} in ${target.region}`,
        EventBusName: 'default',
        State: route.state,
        EventPattern: route.pattern,
        Targets: [
          {
            Id: 'stage-bus',
            Arn: { 'Fn::Sub': busArn },
            RoleArn: { 'Fn::GetAtt': ['ForwarderRole', 'Arn'] },
          },
        ],
      },
    };
  }
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: `gatewarden ${target.stage}: forwards global-service CloudTrail events from ${GLOBAL_EVENTS_REGION} to the stage's bus in ${target.region}`,
    Resources: resources,
    Outputs: {
      StageBusArn: {
        Description: 'The bus forwarded events go to',
        Value: { 'Fn::Sub': busArn },
      },
    },
  };
}
