/**
 * The EventBridge `source` values detect accepts: those of the AWS services its rules route
 * (resources/detect-patterns.yml; a unit test keeps both lists equal). An event whose source
 * is not one of them is not evaluated: it is dead-lettered with its reason.
 *
 * Why this closes forging: EventBridge refuses a `PutEvents` entry whose source starts with
 * `aws.` (NotAuthorizedForSourceException), so only AWS itself puts such events on a bus;
 * anyone with `events:PutEvents` can put `custom.forged` with a `detail` copied from a real
 * CloudTrail record, and that is what this refuses. Events forwarded from another account by
 * a rule keep their `aws.` source (the bus policy decides which accounts may forward), and so
 * do the global-service events a stage's forwarder brings from us-east-1 to its bus.
 */

/** One entry of a pattern's `source` list: an exact value or an EventBridge `prefix`. */
export type SourceMatcher = string | { prefix: string };

/** The prefix AWS services' events carry and custom PutEvents sources cannot. */
export const AWS_SOURCE_PREFIX = 'aws.';

/**
 * Every `source` matcher of the detect rules' patterns. The any-service rules (access denied,
 * PassRole, root activity) take every AWS service, named by the `aws.` prefix: still nothing a
 * PutEvents caller can send.
 */
export const ROUTED_SOURCES: readonly SourceMatcher[] = [
  'aws.bedrock-agentcore',
  'aws.iam',
  'aws.signin',
  'aws.sts',
  'aws.rolesanywhere',
  'aws.ssm',
  'aws.ec2',
  'aws.config',
  'aws.guardduty',
  'aws.securityhub',
  'aws.organizations',
  'aws.lambda',
  'aws.secretsmanager',
  'aws.cloudtrail',
  'aws.s3',
  'aws.kms',
  'aws.cognito-idp',
  'aws.sso-directory',
  'aws.sso',
  'aws.account',
  'aws.macie2',
  'aws.bedrock',
  'aws.route53resolver',
  'aws.route53domains',
  'aws.wafv2',
  // The members' delivery heartbeats (scheduled events; delivery.ts): recorded, never evaluated.
  'aws.events',
  { prefix: AWS_SOURCE_PREFIX },
];

/**
 * Sources of the global services whose CloudTrail events EventBridge delivers in us-east-1
 * only (IAM, STS's global endpoint, console sign-in, Organizations, Account Management). A
 * stage in another region receives them through the forwarder (lib/deploy/forwarder.ts):
 * rules in us-east-1 put them on the stage's bus, and they keep their `aws.` source there.
 */
export const GLOBAL_SOURCES: readonly string[] = [
  'aws.iam',
  'aws.sts',
  'aws.signin',
  'aws.organizations',
  'aws.account',
  // Not a global service, but served from us-east-1 only: its events are delivered there alone.
  'aws.route53domains',
];

/** The region where EventBridge delivers the global services' events. */
export const GLOBAL_EVENTS_REGION = 'us-east-1';

/** True when a `source` value is matched by one entry of a pattern's `source` list. */
export function sourceMatches(source: string, matcher: SourceMatcher): boolean {
  return typeof matcher === 'string' ? source === matcher : source.startsWith(matcher.prefix);
}

const matches = sourceMatches;

/**
 * Why detect refuses an event's source, or undefined when it accepts it. The reason names the
 * problem, never the value (it is whatever the sender chose).
 */
export function sourceProblem(
  source: string,
  routed: readonly SourceMatcher[] = ROUTED_SOURCES,
): string | undefined {
  if (!source.startsWith(AWS_SOURCE_PREFIX)) {
    return 'source: not an AWS service source (aws.*): a custom PutEvents source, never a CloudTrail event';
  }
  if (!routed.some((matcher) => matches(source, matcher))) {
    return 'source: an AWS service no detect rule routes';
  }
  return undefined;
}
