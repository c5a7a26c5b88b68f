import type { CloudTrailRecord } from '../record.js';
import type { DetectionContext } from '../types.js';
import { safeIdentifier } from './identifiers.js';

/**
 * Small, allocation-light helpers every rule uses: who the caller is, safe access into
 * `requestParameters`, principal patterns, IAM policy documents. Rules read untrusted JSON, so
 * nothing here assumes a field has the type AWS documents.
 */

export const AGENTCORE = 'bedrock-agentcore.amazonaws.com';
export const IAM = 'iam.amazonaws.com';
export const SECRETS = 'secretsmanager.amazonaws.com';
export const CLOUDTRAIL = 'cloudtrail.amazonaws.com';
export const S3 = 's3.amazonaws.com';
export const BEDROCK = 'bedrock.amazonaws.com';

/** A plain object, or undefined. */
export function obj(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** A non-empty string, or undefined. */
export function str(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/** Strings of an array (other items dropped); a lone string becomes a one-item array. */
export function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (!Array.isArray(value)) return [];
  return value.filter((item): item is string => typeof item === 'string');
}

/** `requestParameters[key]` as an object path, e.g. `param(r, 'authorizerConfiguration', 'customJWTAuthorizer')`. */
export function param(record: CloudTrailRecord, ...path: string[]): unknown {
  let current: unknown = record.requestParameters;
  for (const key of path) {
    const o = obj(current);
    if (o === undefined) return undefined;
    current = o[key];
  }
  return current;
}

/** Same as {@link param} for `responseElements`. */
export function response(record: CloudTrailRecord, ...path: string[]): unknown {
  let current: unknown = record.responseElements;
  for (const key of path) {
    const o = obj(current);
    if (o === undefined) return undefined;
    current = o[key];
  }
  return current;
}

/** True when the call failed (CloudTrail sets errorCode on failed calls). */
export function failed(record: CloudTrailRecord): boolean {
  return record.errorCode !== undefined && record.errorCode !== '';
}

/** The caller as one readable string: assumed-role ARN (with session), user ARN, root, service. */
export function principalOf(record: CloudTrailRecord): string {
  const id = record.userIdentity;
  if (id.type === 'AWSService') return id.invokedBy || 'AWSService';
  // `||`, not `??`: CloudTrail writes empty strings for unknown identity fields.
  return (
    id.arn ||
    id.sessionContext?.sessionIssuer?.arn ||
    (id.type === 'Root' ? `root:${id.accountId || 'unknown'}` : undefined) ||
    id.principalId ||
    id.userName ||
    jwtCaller(record) ||
    'unknown'
  );
}

/**
 * The caller of a gateway's MCP endpoint that CloudTrail records only as `anonymous`: the JWT
 * subject AgentCore verified (`jwt:<sub>`, sanitized, see `safeIdentifier`). A refused token's
 * claims were never verified: such a call stays `unknown`.
 */
function jwtCaller(record: CloudTrailRecord): string | undefined {
  if (record.eventName !== 'InvokeGateway') return undefined;
  const status = obj(record.responseElements)?.statusCode;
  if (status === 401 || status === '401') return undefined;
  const sub = safeIdentifier(obj(obj(obj(record.additionalEventData)?.jwt)?.claims)?.sub);
  return sub === undefined ? undefined : `jwt:${sub}`;
}

/** The IAM role behind an assumed-role session, as a name (`MyRole`), if any. */
export function roleNameOf(record: CloudTrailRecord): string | undefined {
  const id = record.userIdentity;
  if (id.type !== 'AssumedRole') return undefined;
  const issuer = id.sessionContext?.sessionIssuer;
  if (issuer?.userName) return issuer.userName;
  const match = /:assumed-role\/([^/]+)/.exec(id.arn ?? '');
  return match?.[1];
}

/**
 * Every name the caller can be recognised by: role ARN and name, user ARN and name. Not the
 * assumed-role session ARN: its session name is chosen by whoever calls AssumeRole, so
 * `--role-session-name gatewarden-rotator` must not make any role the rotator.
 */
function callerNames(record: CloudTrailRecord): string[] {
  const id = record.userIdentity;
  const names: string[] = [];
  const issuer = id.sessionContext?.sessionIssuer;
  if (issuer?.arn) names.push(issuer.arn);
  if (issuer?.userName) names.push(issuer.userName);
  if (id.arn && id.type !== 'AssumedRole') names.push(id.arn);
  if (id.userName) names.push(id.userName);
  const role = roleNameOf(record);
  if (role !== undefined) names.push(role);
  return names;
}

const patternCache = new Map<string, RegExp>();

/** Case-insensitive glob match (`*` = any run of characters). */
export function matchesPattern(value: string, pattern: string): boolean {
  let regex = patternCache.get(pattern);
  if (regex === undefined) {
    const body = pattern
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\/]/g, '\\$&'))
      .join('.*');
    regex = new RegExp(`^${body}$`, 'i');
    if (patternCache.size < 10_000) patternCache.set(pattern, regex);
  }
  return regex.test(value);
}

/** True when any of the caller's names matches any pattern. */
export function callerMatches(record: CloudTrailRecord, patterns: readonly string[]): boolean {
  if (patterns.length === 0) return false;
  for (const name of callerNames(record)) {
    for (const pattern of patterns) if (matchesPattern(name, pattern)) return true;
  }
  return false;
}

/**
 * Role names a name pattern such as the default `*gateway*` must not claim: service-linked
 * roles and the other AWS "gateways" (API, NAT, transit, storage, internet), common in real
 * accounts. A role learned from the stream (trusted by AgentCore, used by a gateway) still
 * counts whatever its name.
 */
const NOT_AGENTCORE_GATEWAY =
  /^AWSServiceRoleFor|api-?gateway|nat-?gateway|transit-?gateway|storage-?gateway|internet-?gateway/i;

/** A role name (or ARN) is a gateway execution role (pattern or learned from the stream). */
export function isGatewayRoleName(roleNameOrArn: string, context: DetectionContext): boolean {
  const name = roleNameOrArn.includes(':role/')
    ? (roleNameOrArn.split('/').pop() ?? roleNameOrArn)
    : roleNameOrArn;
  if (context.learnedGatewayRoles?.has(name)) return true;
  if (NOT_AGENTCORE_GATEWAY.test(name) || roleNameOrArn.includes(':role/aws-service-role/')) {
    return false;
  }
  for (const pattern of context.gatewayRolePrincipals) {
    if (matchesPattern(name, pattern) || matchesPattern(roleNameOrArn, pattern)) return true;
  }
  return false;
}

/** The caller is a gateway execution role. */
export function isGatewayRole(record: CloudTrailRecord, context: DetectionContext): boolean {
  const role = roleNameOf(record);
  if (role === undefined) return callerMatches(record, context.gatewayRolePrincipals);
  return isGatewayRoleName(record.userIdentity.sessionContext?.sessionIssuer?.arn || role, context);
}

/** The call was made by AgentCore itself (service principal or on behalf of a gateway). */
export function isAgentCoreService(record: CloudTrailRecord): boolean {
  const id = record.userIdentity;
  return (
    id.invokedBy === AGENTCORE ||
    record.sourceIPAddress === AGENTCORE ||
    // A service-linked role of AgentCore acting on its own behalf: its name and the reserved
    // /aws-service-role/ path (anyone allowed iam:CreateRole can copy the name, not the path).
    ((roleNameOf(record) ?? '').startsWith('AWSServiceRoleForBedrockAgentCore') &&
      (id.sessionContext?.sessionIssuer?.arn ?? '').includes(':role/aws-service-role/')) ||
    (id.type === 'AWSService' && (id.invokedBy ?? '').startsWith('bedrock-agentcore'))
  );
}

/**
 * The call was made by an AWS service, for itself or on a principal's behalf (a service host
 * name or `AWS Internal` as source address): ECS pulling a task's secrets, CloudFormation
 * deploying a stack, AgentCore fetching tokens. Volume from these says nothing about the
 * principal probing or harvesting. `invokedBy` alone does not say it: console sessions carry
 * `signin.amazonaws.com` there while the source is the person's own address.
 */
export function viaAwsService(record: CloudTrailRecord): boolean {
  if (record.userIdentity.type === 'AWSService') return true;
  const source = record.sourceIPAddress ?? '';
  return source === 'AWS Internal' || source.endsWith('.amazonaws.com');
}

/** Account id of an ARN (`arn:aws:iam::123456789012:role/x` → `123456789012`). */
export function accountOfArn(arn: string): string | undefined {
  const parts = arn.split(':');
  const account = parts[4];
  return account !== undefined && /^\d{12}$/.test(account) ? account : undefined;
}

/** The account the record happened in. */
export function homeAccount(record: CloudTrailRecord): string | undefined {
  return record.recipientAccountId ?? record.userIdentity.accountId;
}

/** True when `account` is the record's own account or a configured trusted account. */
export function isTrustedAccount(
  account: string,
  record: CloudTrailRecord,
  context: DetectionContext,
): boolean {
  return account === homeAccount(record) || context.trustedAccounts.includes(account);
}

/** Gateway id from request or response (`gatewayIdentifier` may be an id or an ARN). */
export function gatewayIdOf(record: CloudTrailRecord): string | undefined {
  const raw =
    str(param(record, 'gatewayIdentifier')) ??
    str(response(record, 'gatewayId')) ??
    str(response(record, 'gatewayArn'));
  if (raw === undefined) return undefined;
  return raw.includes(':gateway/') ? raw.split(':gateway/')[1] : raw;
}

/** The host of a URL, lower-case; undefined when it is not a URL. */
export function hostOf(url: string): string | undefined {
  try {
    return new URL(url).host.toLowerCase();
  } catch {
    return undefined;
  }
}

/** The first ARN in `resources[]` of the given type, or any ARN when no type is given. */
export function resourceArn(record: CloudTrailRecord, type?: string): string | undefined {
  for (const resource of record.resources ?? []) {
    if (resource.ARN && (type === undefined || resource.type === type)) return resource.ARN;
  }
  return undefined;
}

/** An epoch-ms time of a record (validation guarantees it parses). */
export function timeOf(record: CloudTrailRecord): number {
  return Date.parse(record.eventTime);
}

// --- secrets ---------------------------------------------------------------------------------

/** True for a gatewarden secret or an AgentCore Identity service-managed secret (name or ARN). */
export function isGatewaySecret(secretId: string): boolean {
  return (
    secretId.startsWith('gatewarden/') ||
    secretId.includes(':secret:gatewarden/') ||
    secretId.includes('bedrock-agentcore-identity!')
  );
}

/** The secret a Secrets Manager call is about (request `secretId`, else the resource ARN). */
export function secretIdOf(record: CloudTrailRecord): string | undefined {
  return (
    str(param(record, 'secretId')) ??
    str(param(record, 'SecretId')) ??
    str(param(record, 'name')) ??
    resourceArn(record, 'AWS::SecretsManager::Secret') ??
    str(response(record, 'arn')) ??
    // Before February 2024 some Secrets Manager events spelled it "aRN".
    str(response(record, 'aRN'))
  );
}

/** The caller without its session name (role ARN for sessions), for baselines and counters. */
export function stableCaller(record: CloudTrailRecord): string {
  return record.userIdentity.sessionContext?.sessionIssuer?.arn ?? principalOf(record);
}

/** A gateway management call (AgentCore control plane write that succeeded, by a person or role). */
export function isGatewayManagement(record: CloudTrailRecord): boolean {
  return (
    record.eventSource === AGENTCORE &&
    record.readOnly !== true &&
    !failed(record) &&
    record.userIdentity.type !== 'AWSService' &&
    !/^(Get|List|Invoke)/.test(record.eventName)
  );
}

/** The key id at the end of a key ARN, or the reference itself (id, alias, ARN). */
export function keyIdOf(reference: string): string {
  const match = /:key\/([^/]+)$/.exec(reference);
  return match?.[1] ?? reference;
}

// --- callers and refusals --------------------------------------------------------------------

/** Error codes of a call refused for lack of permission: an attempt, not a typo. */
const DENIED_CODES = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'UnauthorizedOperation',
  'Client.UnauthorizedOperation',
]);

/** True when the call was refused by IAM (or an SCP, a resource policy): someone tried. */
export function denied(record: CloudTrailRecord): boolean {
  return record.errorCode !== undefined && DENIED_CODES.has(record.errorCode);
}

/** The IAM user making the call, by name (`IAMUser` identities only). */
export function callerUserName(record: CloudTrailRecord): string | undefined {
  const id = record.userIdentity;
  if (id.type !== 'IAMUser') return undefined;
  // The ARN is what IAM authenticated; `userName` has been seen disagreeing with it.
  const fromArn = /:user\/(?:.*\/)?([^/]+)$/.exec(id.arn ?? '')?.[1];
  return fromArn ?? str(id.userName);
}

/**
 * A Lambda function's name from a name, a partial ARN (`123456789012:function:f`) or a full
 * ARN, without its version or alias qualifier.
 */
export function lambdaFunctionName(reference: string): string {
  const match = /(?:^|:)function:([^:]+)/.exec(reference);
  return match?.[1] ?? reference.split(':')[0] ?? reference;
}

/** Lambda's CloudTrail event names carry the API version: `UpdateFunctionCode20150331v2` → `UpdateFunctionCode`. */
export function lambdaAction(eventName: string): string {
  return eventName.replace(/\d{8}(v\d+)?$/, '');
}

// --- console sign-in -------------------------------------------------------------------------

export const SIGNIN = 'signin.amazonaws.com';

/**
 * True when the call failed, however CloudTrail says so: an `errorCode`, or (sign-in events,
 * which carry none) a `responseElements` outcome of `"Failure"` (`ConsoleLogin`, `CheckMfa`,
 * `SwitchRole`, …) with `errorMessage: "Failed authentication"`.
 */
export function failedAnyway(record: CloudTrailRecord): boolean {
  if (failed(record)) return true;
  const outcome = obj(record.responseElements);
  if (outcome === undefined) return false;
  return Object.values(outcome).some((value) => value === 'Failure');
}

/** The outcome of a console sign-in (`Success`, `Failure`), or undefined for other events. */
export function consoleLoginOutcome(record: CloudTrailRecord): string | undefined {
  if (record.eventSource !== SIGNIN || record.eventName !== 'ConsoleLogin') return undefined;
  return str(response(record, 'ConsoleLogin'));
}

/**
 * Who a sign-in was for, the same on failed and successful attempts: AWS's failed-sign-in
 * records of IAM users carry `userName` and `principalId` but no ARN, successful ones an ARN.
 * Root by account; other identities (federated users, role sessions) by their stable caller.
 * Names IAM does not know come as `HIDDEN_DUE_TO_SECURITY_REASONS`: they count as that one name.
 */
export function signinSubject(record: CloudTrailRecord): string {
  const id = record.userIdentity;
  const account = record.recipientAccountId ?? id.accountId ?? 'unknown';
  if (id.type === 'Root') return `${account}|root`;
  if (id.type === 'IAMUser') {
    return `${account}|user/${callerUserName(record) ?? str(id.principalId) ?? 'unknown'}`;
  }
  return `${account}|${stableCaller(record)}`;
}

/** The person a sign-in names, for summaries: `the root user`, the IAM user name, the caller. */
export function signinName(record: CloudTrailRecord): string {
  const id = record.userIdentity;
  if (id.type === 'Root') return 'the root user';
  if (id.type === 'IAMUser') return callerUserName(record) ?? principalOf(record);
  return principalOf(record);
}
