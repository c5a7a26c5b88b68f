import { parseCedar, type CedarPolicyJson } from './cedar/parse.js';
import type { StateVersion } from './ports.js';
import type { CloudTrailRecord } from './record.js';
import { learnedFactsTracked } from './learnedFacts.js';
import type { DetectionContext } from './types.js';
import { trailTracked } from './trailState.js';
import { GUARDDUTY, MACIE, filterTracked } from './findingsFilterState.js';
import { guardrailTracked } from './guardrailState.js';
import { automationRuleTracked } from './automationRuleState.js';
import {
  AGENTCORE,
  BEDROCK,
  CLOUDTRAIL,
  SECRETS,
  failed,
  gatewayIdOf,
  obj,
  param,
  response,
  stableCaller,
  str,
} from './rules/support.js';

/**
 * What the field-level change rules compare: for each resource a record touches, the state the
 * record left it in, derived from the state before it (see lastStates.ts for the ordering).
 *
 * CloudTrail may omit a request or response, or redact a value (`***`,
 * `HIDDEN_DUE_TO_SECURITY_REASONS`): a field the record cannot show is unknown and keeps its
 * earlier value. A field is read as removed only where the API is a full replace
 * (UpdateGateway) and the request is present whole (its required fields are there).
 */
export interface Tracked {
  kind: string;
  subject: string;
  /** The resulting state (JSON text), `null` deleted, undefined unknown/look only. */
  next: (previous: StateVersion | undefined) => string | null | undefined;
  /**
   * State changes of other resources that follow from this one's before and after (a gateway
   * that leaves its execution role leaves the role's state too). Recorded at the same event.
   */
  then?: (previous: StateVersion | undefined, next: string | null | undefined) => Tracked[];
}

/** The value CloudTrail wrote in place of a hidden one. */
export function redacted(value: unknown): boolean {
  return typeof value === 'string' && (/^\*+$/.test(value) || /HIDDEN_DUE_TO/i.test(value));
}

/** `none`: the block is absent from a whole request (removed, or never set). */
export const NONE = 'none';

/** A gateway interceptor, normalised. */
export interface InterceptorState {
  lambdaArn: string;
  points: string[];
  passRequestHeaders: boolean;
  payloadFilter: string;
}

/** A gateway's security-relevant configuration; a missing field is unknown. */
export interface GatewayState {
  roleArn?: string;
  authorizerType?: string;
  interceptors?: InterceptorState[];
  wafFailureMode?: string;
  exceptionLevel?: string;
  policyEngineArn?: string;
  policyEngineMode?: string;
  kmsKeyArn?: string;
  customTransform?: string;
  protocol?: string;
}

function parsed<T>(version: StateVersion | undefined): T | undefined | null {
  if (version === undefined) return undefined;
  if (version.state === null) return null;
  try {
    return JSON.parse(version.state) as T;
  } catch {
    return undefined;
  }
}

/** The parsed state of a version: undefined unknown, null deleted. */
export function stateOf<T>(version: StateVersion | undefined): T | undefined | null {
  return parsed<T>(version);
}

function interceptorsOf(value: unknown): InterceptorState[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const out: InterceptorState[] = [];
  for (const item of value.slice(0, 20)) {
    const o = obj(item);
    const arn = obj(obj(o?.interceptor)?.lambda)?.arn;
    if (o === undefined || redacted(arn)) return undefined;
    const input = obj(o.inputConfiguration);
    out.push({
      lambdaArn: str(arn) ?? 'unknown',
      points: (Array.isArray(o.interceptionPoints) ? o.interceptionPoints : [])
        .filter((p): p is string => typeof p === 'string')
        .slice(0, 5)
        .sort(),
      passRequestHeaders: input?.passRequestHeaders === true,
      payloadFilter: JSON.stringify(input?.payloadFilter ?? null).slice(0, 512),
    });
  }
  return out.sort((a, b) => (a.lambdaArn < b.lambdaArn ? -1 : a.lambdaArn > b.lambdaArn ? 1 : 0));
}

/**
 * The fields of one side (request or response) of a gateway record. `whole`: absent optional
 * blocks are read as `none` (a complete UpdateGateway/CreateGateway request).
 */
function gatewayFields(
  side: Record<string, unknown>,
  whole: boolean,
  keys?: ReadonlySet<keyof GatewayState>,
): GatewayState {
  const out: GatewayState = {};
  const want = (key: keyof GatewayState) => keys === undefined || keys.has(key);
  const known = (key: string) => key in side && !redacted(side[key]);
  const text = (key: string): string | undefined => {
    if (known(key)) return str(side[key]) ?? (whole ? NONE : undefined);
    return whole && !(key in side) ? NONE : undefined;
  };
  const roleArn = want('roleArn') && known('roleArn') ? str(side.roleArn) : undefined;
  if (roleArn !== undefined) out.roleArn = roleArn;
  const authorizerType =
    want('authorizerType') && known('authorizerType') ? str(side.authorizerType) : undefined;
  if (authorizerType !== undefined) out.authorizerType = authorizerType;
  if (!want('interceptors')) {
    // not asked for
  } else if (known('interceptorConfigurations')) {
    const interceptors = interceptorsOf(side.interceptorConfigurations);
    if (interceptors !== undefined) out.interceptors = interceptors;
  } else if (whole && !('interceptorConfigurations' in side)) out.interceptors = [];
  const waf = want('wafFailureMode') ? obj(side.wafConfiguration) : undefined;
  if (!want('wafFailureMode')) {
    // not asked for
  } else if (waf !== undefined && !redacted(waf.failureMode)) {
    out.wafFailureMode = str(waf.failureMode) ?? 'default';
  } else if (whole && !('wafConfiguration' in side)) out.wafFailureMode = NONE;
  const exceptionLevel = want('exceptionLevel') ? text('exceptionLevel') : undefined;
  if (exceptionLevel !== undefined) out.exceptionLevel = exceptionLevel;
  const engine = want('policyEngineArn') ? obj(side.policyEngineConfiguration) : undefined;
  if (!want('policyEngineArn')) {
    // not asked for
  } else if (engine !== undefined && !redacted(engine.arn)) {
    out.policyEngineArn = str(engine.arn) ?? 'unknown';
    out.policyEngineMode = str(engine.mode) ?? 'unknown';
  } else if (whole && !('policyEngineConfiguration' in side)) {
    out.policyEngineArn = NONE;
    out.policyEngineMode = NONE;
  }
  const kms = want('kmsKeyArn') ? text('kmsKeyArn') : undefined;
  if (kms !== undefined) out.kmsKeyArn = kms;
  const transform = want('customTransform') ? obj(side.customTransformConfiguration) : undefined;
  if (!want('customTransform')) {
    // not asked for
  } else if (transform !== undefined) {
    out.customTransform = JSON.stringify(transform).slice(0, 1024);
  } else if (whole && !('customTransformConfiguration' in side)) out.customTransform = NONE;
  const protocol = want('protocol') ? obj(side.protocolConfiguration) : undefined;
  if (!want('protocol')) {
    // not asked for
  } else if (protocol !== undefined) {
    out.protocol = JSON.stringify(protocol).slice(0, 2048);
  } else if (whole && !('protocolConfiguration' in side)) out.protocol = NONE;
  return out;
}

/** True when a gateway request is complete: the fields the API requires are all there. */
export function wholeGatewayRequest(record: CloudTrailRecord): boolean {
  const request = obj(record.requestParameters);
  return (
    request !== undefined &&
    str(request.authorizerType) !== undefined &&
    str(request.roleArn) !== undefined &&
    !redacted(request.authorizerType) &&
    !redacted(request.roleArn)
  );
}

/** The configuration a gateway record shows (unknown fields left out). */
export function gatewayStateOf(
  record: CloudTrailRecord,
  keys?: ReadonlySet<keyof GatewayState>,
): GatewayState {
  const request = obj(record.requestParameters);
  const responseSide = obj(record.responseElements);
  // The request of a full replace is the whole new gateway: it decides, the response only
  // fills in what the request could not show (a redacted value).
  const fromResponse = responseSide === undefined ? {} : gatewayFields(responseSide, false, keys);
  if (request !== undefined && wholeGatewayRequest(record)) {
    return { ...definedOnly(fromResponse, true), ...gatewayFields(request, true, keys) };
  }
  return {
    ...fromResponse,
    ...(request === undefined ? {} : gatewayFields(request, false, keys)),
  };
}

/** Response fields that fill in, not override, a whole request (`none` from a response is unknown). */
function definedOnly(state: GatewayState, skipNone: boolean): GatewayState {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(state)) {
    if (value === undefined || (skipNone && value === NONE)) continue;
    // A whole request decides what was removed: the response only adds what it leaves out.
    if (key === 'interceptors' && Array.isArray(value) && value.length === 0) continue;
    out[key] = value;
  }
  return out as GatewayState;
}

/** A policy's state: its enforcement mode and its Cedar statement, parsed. */
export interface PolicyState {
  enforcementMode?: string;
  /** Parsed policies, or why they are not known. */
  policies?: CedarPolicyJson[] | 'too-large' | 'unparsable' | 'empty';
}

/** The Cedar statement of a policy record (response first: it is the resulting definition). */
export function cedarStatementOf(record: CloudTrailRecord): string | undefined {
  for (const value of [
    response(record, 'definition', 'cedar', 'statement'),
    param(record, 'definition', 'cedar', 'statement'),
  ]) {
    if (typeof value === 'string' && !redacted(value) && value.length > 0) return value;
  }
  return undefined;
}

export function policyStateOf(record: CloudTrailRecord): PolicyState {
  const out: PolicyState = {};
  const mode = str(response(record, 'enforcementMode')) ?? str(param(record, 'enforcementMode'));
  if (mode !== undefined && !redacted(mode)) out.enforcementMode = mode;
  const statement = cedarStatementOf(record);
  if (statement !== undefined) {
    const result = parseCedar(statement);
    out.policies = result.ok ? result.policies : result.reason;
  }
  return out;
}

/** Policy id (`<policyEngineId>/<policyId>`) of a Create/Update/DeletePolicy record. */
export function policySubject(record: CloudTrailRecord): string | undefined {
  const engine = str(param(record, 'policyEngineId')) ?? str(response(record, 'policyEngineId'));
  const policy = str(param(record, 'policyId')) ?? str(response(record, 'policyId'));
  return engine === undefined || policy === undefined ? undefined : `${engine}/${policy}`;
}

/** A gateway rule's state: priority, conditions and actions (the model's JSON). */
export interface GatewayRuleState {
  priority?: number;
  conditions?: unknown[];
  actions?: unknown[];
}

export function gatewayRuleStateOf(record: CloudTrailRecord): GatewayRuleState {
  const out: GatewayRuleState = {};
  for (const side of [obj(record.requestParameters), obj(record.responseElements)]) {
    if (side === undefined) continue;
    if (typeof side.priority === 'number') out.priority = side.priority;
    if (Array.isArray(side.conditions)) out.conditions = side.conditions.slice(0, 50);
    if (Array.isArray(side.actions)) out.actions = side.actions.slice(0, 50);
  }
  return out;
}

/** Gateway rule id (`<gatewayId>/<ruleId>`). */
export function gatewayRuleSubject(record: CloudTrailRecord): string | undefined {
  const gatewayId = gatewayIdOf(record);
  const ruleId = str(param(record, 'ruleId')) ?? str(response(record, 'ruleId'));
  return gatewayId === undefined || ruleId === undefined ? undefined : `${gatewayId}/${ruleId}`;
}

/** Merges what a record shows over the state before it (unknown fields keep their value). */
function merged(previous: StateVersion | undefined, shown: object): string | undefined {
  if (Object.keys(shown).length === 0 && previous === undefined) return undefined;
  const before = parsed<object>(previous);
  return JSON.stringify({ ...(before ?? {}), ...shown });
}

/** A gatewarden registration in progress (`gatewarden register` creates a tagged secret). */
export interface RegistrationState {
  secret: string;
  atMs: number;
}

/** The tag keys a Secrets Manager or AgentCore record sets (either casing). */
export function tagKeysOf(value: unknown): string[] {
  if (Array.isArray(value)) {
    return value
      .map((tag) => str(obj(tag)?.key) ?? str(obj(tag)?.Key))
      .filter((key): key is string => key !== undefined)
      .slice(0, 100);
  }
  const map = obj(value);
  return map === undefined ? [] : Object.keys(map).slice(0, 100);
}

/** Kinds of state the trackers keep. */
export const KINDS = {
  gateway: 'gateway',
  policy: 'policy',
  gatewayRule: 'gateway-rule',
  registration: 'registration',
  gatewayRole: 'gateway-role',
} as const;

/** Token vault reads: API keys, OAuth2 and payment tokens, workload access tokens. */
export const TOKEN_VAULT_READS = [
  'GetResourceApiKey',
  'GetResourceOauth2Token',
  'GetResourcePaymentToken',
  // Completes a user's OAuth flow: the vault then holds that user's token for the session.
  'CompleteResourceTokenAuth',
  'GetWorkloadAccessToken',
  'GetWorkloadAccessTokenForJWT',
  'GetWorkloadAccessTokenForUserId',
] as const;

const TOKEN_VAULT_READ_NAMES: ReadonlySet<string> = new Set(TOKEN_VAULT_READS);

/** A Secrets Manager read whose caller is looked up as a gateway role (secret-read rule). */
function isSecretRead(record: CloudTrailRecord): boolean {
  return record.eventSource === SECRETS && record.eventName === 'GetSecretValue';
}

/**
 * The key a role is known by as a gateway execution role: its ARN (path included), lower-cased
 * (IAM role names are unique whatever their case). Never the name alone: anyone allowed
 * iam:CreateRole chooses a name.
 */
export function gatewayRoleKey(roleArn: string): string | undefined {
  return /^arn:[^:]+:iam::\d{12}:role\//.test(roleArn) ? roleArn.toLowerCase() : undefined;
}

/** The role ARN behind an assumed-role session (its session issuer), if CloudTrail shows it. */
export function sessionRoleArn(record: CloudTrailRecord): string | undefined {
  const id = record.userIdentity;
  if (id.type !== 'AssumedRole') return undefined;
  const issuer = id.sessionContext?.sessionIssuer;
  return issuer?.type === 'Role' || issuer?.type === undefined ? str(issuer?.arn) : undefined;
}

/**
 * A gateway's execution role, as the state of the role: which gateway it was last seen on.
 * A token vault or gateway secret read looks the caller's role up (look only) at its time.
 */
function gatewayRoleTracked(record: CloudTrailRecord): Tracked[] {
  if (record.eventName === 'CreateGateway' || record.eventName === 'UpdateGateway') {
    const roleArn = gatewayStateOf(record, new Set(['roleArn'])).roleArn;
    const subject = roleArn === undefined ? undefined : gatewayRoleKey(roleArn);
    const gateway = gatewayIdOf(record) ?? 'unknown';
    if (subject === undefined) return [];
    return [
      {
        kind: KINDS.gatewayRole,
        subject,
        next: (previous) => roleGateways(previous, (ids) => ids.add(gateway)),
      },
    ];
  }
  if (TOKEN_VAULT_READ_NAMES.has(record.eventName) || isSecretRead(record)) {
    const roleArn = sessionRoleArn(record);
    const subject = roleArn === undefined ? undefined : gatewayRoleKey(roleArn);
    if (subject === undefined) return [];
    return [{ kind: KINDS.gatewayRole, subject, next: () => undefined }];
  }
  return [];
}

/** Which gateways use a role, from its state (`{gatewayIds}`; `{gatewayId}` as once kept). */
function roleGateways(
  previous: StateVersion | undefined,
  change: (ids: Set<string>) => unknown,
): string | null {
  const state = stateOf<{ gatewayIds?: unknown; gatewayId?: unknown }>(previous);
  const ids = new Set<string>();
  if (Array.isArray(state?.gatewayIds)) {
    for (const id of state.gatewayIds) if (typeof id === 'string') ids.add(id);
  } else if (typeof state?.gatewayId === 'string') {
    ids.add(state.gatewayId);
  }
  change(ids);
  // Bounded whatever the input: a role shared by more gateways than this is still known.
  return ids.size === 0 ? null : JSON.stringify({ gatewayIds: [...ids].sort().slice(0, 100) });
}

/**
 * A gateway that leaves its execution role (swapped by UpdateGateway, or deleted) is no longer
 * that role's gateway: the role is no longer an expected reader on the gateway's behalf.
 */
function leavesRole(gatewayId: string) {
  return (previous: StateVersion | undefined, next: string | null | undefined): Tracked[] => {
    const before = stateOf<GatewayState>(previous)?.roleArn;
    if (typeof before !== 'string') return [];
    const after =
      next === undefined ? before : next === null ? undefined : (parsedRole(next) ?? before);
    const subject = gatewayRoleKey(before);
    if (subject === undefined || after?.toLowerCase() === before.toLowerCase()) return [];
    return [
      {
        kind: KINDS.gatewayRole,
        subject,
        next: (version) => roleGateways(version, (ids) => ids.delete(gatewayId)),
      },
    ];
  };
}

function parsedRole(state: string): string | undefined {
  const roleArn = (JSON.parse(state) as GatewayState).roleArn;
  return typeof roleArn === 'string' ? roleArn : undefined;
}

/** The resources a record touches and the state it leaves them in, and the facts it teaches. */
export function trackedStates(record: CloudTrailRecord, context?: DetectionContext): Tracked[] {
  const facts = learnedFactsTracked(record, context);
  const resources = resourceStates(record);
  return facts.length === 0 ? resources : [...facts, ...resources];
}

function resourceStates(record: CloudTrailRecord): Tracked[] {
  if (failed(record)) return [];
  if (isSecretRead(record)) return gatewayRoleTracked(record);
  if (record.eventSource === CLOUDTRAIL) return trailTracked(record);
  if (record.eventSource === GUARDDUTY || record.eventSource === MACIE) {
    return filterTracked(record);
  }
  if (record.eventSource === BEDROCK) return guardrailTracked(record);
  if (record.eventSource === 'securityhub.amazonaws.com') return automationRuleTracked(record);
  if (record.eventSource === SECRETS) {
    if (
      record.eventName === 'CreateSecret' &&
      tagKeysOf(param(record, 'tags')).includes('gatewarden:kind')
    ) {
      const secret = str(param(record, 'name')) ?? 'unknown';
      return [
        {
          kind: KINDS.registration,
          subject: stableCaller(record),
          next: () =>
            JSON.stringify({
              secret,
              atMs: Date.parse(record.eventTime),
            } satisfies RegistrationState),
        },
      ];
    }
    return [];
  }
  if (record.eventSource !== AGENTCORE) return [];
  switch (record.eventName) {
    case 'CreateGateway':
    case 'UpdateGateway': {
      const subject = gatewayIdOf(record);
      if (subject === undefined) return [];
      const shown = gatewayStateOf(record);
      return [
        {
          kind: KINDS.gateway,
          subject,
          next: (previous) => merged(previous, shown),
          then: leavesRole(subject),
        },
        ...gatewayRoleTracked(record),
      ];
    }
    case 'DeleteGateway': {
      const subject = gatewayIdOf(record);
      return subject === undefined
        ? []
        : [{ kind: KINDS.gateway, subject, next: () => null, then: leavesRole(subject) }];
    }
    case 'CreatePolicy':
    case 'UpdatePolicy': {
      const subject = policySubject(record);
      if (subject === undefined) return [];
      const shown = policyStateOf(record);
      return [{ kind: KINDS.policy, subject, next: (previous) => merged(previous, shown) }];
    }
    case 'DeletePolicy': {
      const subject = policySubject(record);
      return subject === undefined ? [] : [{ kind: KINDS.policy, subject, next: () => null }];
    }
    case 'CreateGatewayRule':
    case 'UpdateGatewayRule': {
      const subject = gatewayRuleSubject(record);
      if (subject === undefined) return [];
      const shown = gatewayRuleStateOf(record);
      return [{ kind: KINDS.gatewayRule, subject, next: (previous) => merged(previous, shown) }];
    }
    case 'DeleteGatewayRule': {
      const subject = gatewayRuleSubject(record);
      return subject === undefined ? [] : [{ kind: KINDS.gatewayRule, subject, next: () => null }];
    }
    case 'TagResource':
      return [{ kind: KINDS.registration, subject: stableCaller(record), next: () => undefined }];
    default:
      return gatewayRoleTracked(record);
  }
}
