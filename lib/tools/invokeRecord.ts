/**
 * One InvokeGateway data event, reduced to what tool least privilege needs: gateway, caller,
 * JSON-RPC method and tool, target id, time and outcome. Arguments (`params.arguments`) are
 * never read: AWS redacts them, and any value that is present is treated as secret.
 */

/** `eventName` of the gateway data event (`InvokeMcp` was its name in preview). */
export const INVOKE_EVENT_NAMES: ReadonlySet<string> = new Set(['InvokeGateway', 'InvokeMcp']);
export const AGENTCORE_SOURCE = 'bedrock-agentcore.amazonaws.com';
export const GATEWAY_RESOURCE_TYPE = 'AWS::BedrockAgentCore::Gateway';

/** Claims kept for grouping by default (besides `sub`); others only when asked for. */
export const DEFAULT_KEPT_CLAIMS: readonly string[] = [
  'client_id',
  'azp',
  'scope',
  'username',
  'cognito:groups',
  'groups',
];

/** Longest claim value kept (a claim is caller-controlled text only within the IdP's limits). */
const MAX_CLAIM_CHARS = 512;
/** A request body given as text is parsed only up to this size. */
export const MAX_BODY_CHARS = 65_536;

export type Outcome = 'ok' | 'refused' | 'policyDenied' | 'failed';

export type Caller =
  | { kind: 'oauth'; sub: string; claims: Readonly<Record<string, string>> }
  | { kind: 'iam'; arn: string };

/** Why a data event could not be attributed (each is counted and shown, never guessed). */
export type Gap =
  | 'missingGateway'
  | 'missingCaller'
  | 'unauthenticated'
  | 'missingMethod'
  | 'missingTool'
  | 'missingTargetId';

export interface InvokeFact {
  gatewayArn: string;
  caller: Caller;
  method: string;
  /** `<target>___<tool>` for `tools/call`, else undefined. */
  tool?: string;
  targetId?: string;
  time: string;
  outcome: Outcome;
  statusCode?: number;
}

export type InvokeRead =
  | { kind: 'other' }
  | { kind: 'fact'; fact: InvokeFact; gaps: Gap[] }
  | { kind: 'gap'; gatewayArn?: string; gap: Gap; time: string; outcome: Outcome };

/** True for the records this module reads (a cheap test for the hot path). */
export function isInvokeRecord(r: Record<string, unknown>): boolean {
  return (
    typeof r.eventName === 'string' &&
    INVOKE_EVENT_NAMES.has(r.eventName) &&
    r.eventSource === AGENTCORE_SOURCE
  );
}

/**
 * What one data event says, written into an object the caller reuses: the collector reads
 * millions of records, and a few objects per record are most of its cost (allocation, then
 * garbage collection). `gap` set means the event cannot be attributed; only the fields read
 * before the gap was found are meaningful.
 */
export interface InvokeFields {
  time: string;
  outcome: Outcome;
  statusCode: number | undefined;
  gatewayArn: string | undefined;
  gap: Gap | undefined;
  callerKind: Caller['kind'];
  /** The JWT `sub` (oauth) or the IAM ARN. */
  principal: string;
  /** The values of `claimNames` (see `keptClaimNames`), position by position. */
  claims: (string | undefined)[];
  method: string;
  tool: string | undefined;
  targetId: string | undefined;
  /** A tools/call without a target id (kept, and counted). */
  missingTargetId: boolean;
}

/** Fields to reuse with `readInvokeFields`, for `claimCount` claim names. */
export function emptyInvokeFields(claimCount: number): InvokeFields {
  return {
    time: '',
    outcome: 'ok',
    statusCode: undefined,
    gatewayArn: undefined,
    gap: undefined,
    callerKind: 'oauth',
    principal: '',
    claims: new Array<string | undefined>(claimCount).fill(undefined),
    method: '',
    tool: undefined,
    targetId: undefined,
    missingTargetId: false,
  };
}

/**
 * The claim names a caller keeps, each once. `__proto__` is dropped: assigning it to a plain
 * object sets no property, so it never was a kept claim.
 */
export function keptClaimNames(keptClaims: readonly string[]): string[] {
  return [...new Set(keptClaims)].filter((name) => name !== '__proto__');
}

/**
 * Reads one CloudTrail record into `out`; false when it is not a gateway data event.
 * `claimNames` comes from `keptClaimNames`; `out` from `emptyInvokeFields(claimNames.length)`.
 */
export function readInvokeFields(
  record: unknown,
  claimNames: readonly string[],
  out: InvokeFields,
): boolean {
  if (record === null || typeof record !== 'object') return false;
  const r = record as Record<string, unknown>;
  if (!isInvokeRecord(r)) return false;
  out.time = typeof r.eventTime === 'string' ? r.eventTime : '';
  const response = asObject(r.responseElements);
  const statusCode = numberOf(response?.statusCode);
  out.statusCode = statusCode;
  out.outcome = outcomeOf(statusCode, response?.body);
  out.gap = undefined;
  out.tool = undefined;
  out.targetId = undefined;
  out.missingTargetId = false;
  const gatewayArn = gatewayOf(r);
  out.gatewayArn = gatewayArn;
  if (gatewayArn === undefined) {
    out.gap = 'missingGateway';
    return true;
  }
  const extra = asObject(r.additionalEventData);
  const identity = asObject(r.userIdentity);
  if (!readCaller(extra, identity, claimNames, out)) {
    // A refused bearer token is logged as the anonymous account: nobody to attribute.
    out.gap =
      identity?.accountId === 'anonymous' || statusCode === 401
        ? 'unauthenticated'
        : 'missingCaller';
    return true;
  }
  const body = bodyOf(asObject(r.requestParameters)?.body);
  const method = body?.method;
  if (typeof method !== 'string') {
    out.gap = 'missingMethod';
    return true;
  }
  out.method = method;
  if (method === 'tools/call') {
    const name = asObject(body?.params)?.name;
    if (typeof name !== 'string' || name === '') {
      out.gap = 'missingTool';
      return true;
    }
    out.tool = name;
    const targetId = extra?.targetId;
    if (typeof targetId === 'string' && targetId !== '') out.targetId = targetId;
    else out.missingTargetId = true;
  }
  return true;
}

/** The caller `fields` describe; `text` may swap each string for an equal, shared one. */
export function callerOfFields(
  fields: InvokeFields,
  claimNames: readonly string[],
  text: (value: string) => string = (value) => value,
): Caller {
  if (fields.callerKind === 'iam') return { kind: 'iam', arn: text(fields.principal) };
  const claims: Record<string, string> = {};
  for (let i = 0; i < claimNames.length; i++) {
    const value = fields.claims[i];
    if (value !== undefined) claims[text(claimNames[i] as string)] = text(value);
  }
  return { kind: 'oauth', sub: text(fields.principal), claims };
}

/** Reads one CloudTrail record; `keptClaims` are the claims kept besides `sub`. */
export function readInvokeRecord(
  record: unknown,
  keptClaims: readonly string[] = DEFAULT_KEPT_CLAIMS,
): InvokeRead {
  const names = keptClaimNames(keptClaims);
  const f = emptyInvokeFields(names.length);
  if (!readInvokeFields(record, names, f)) return { kind: 'other' };
  const { time, outcome, gatewayArn, gap } = f;
  if (gatewayArn === undefined) return { kind: 'gap', gap: 'missingGateway', time, outcome };
  if (gap !== undefined) return { kind: 'gap', gatewayArn, gap, time, outcome };
  const fact: InvokeFact = {
    gatewayArn,
    caller: callerOfFields(f, names),
    method: f.method,
    time,
    outcome,
  };
  if (f.statusCode !== undefined) fact.statusCode = f.statusCode;
  if (f.tool !== undefined) fact.tool = f.tool;
  if (f.targetId !== undefined) fact.targetId = f.targetId;
  return { kind: 'fact', fact, gaps: f.missingTargetId ? ['missingTargetId'] : [] };
}

function gatewayOf(r: Record<string, unknown>): string | undefined {
  if (!Array.isArray(r.resources)) return undefined;
  for (const resource of r.resources as unknown[]) {
    const res = asObject(resource);
    if (res?.type === GATEWAY_RESOURCE_TYPE && typeof res.ARN === 'string' && res.ARN !== '')
      return res.ARN;
  }
  return undefined;
}

/** The caller into `out.callerKind`, `out.principal` and `out.claims`; false when none. */
function readCaller(
  extra: Record<string, unknown> | undefined,
  identity: Record<string, unknown> | undefined,
  claimNames: readonly string[],
  out: InvokeFields,
): boolean {
  const claims = asObject(asObject(extra?.jwt)?.claims);
  if (claims !== undefined) {
    const sub = claimText(claims.sub);
    if (sub === undefined) return false;
    out.callerKind = 'oauth';
    out.principal = sub;
    for (let i = 0; i < claimNames.length; i++)
      out.claims[i] = claimText(claims[claimNames[i] as string]);
    return true;
  }
  // AWS_IAM gateways: the caller is the signing identity.
  const type = identity?.type;
  if (
    (type === 'AssumedRole' || type === 'IAMUser' || type === 'Role' || type === 'Root') &&
    typeof identity?.arn === 'string' &&
    identity.arn.startsWith('arn:')
  ) {
    out.callerKind = 'iam';
    out.principal = identity.arn;
    return true;
  }
  return false;
}

/**
 * A claim as text. AgentCore logs claims HTML-entity-sanitized; the policy engine sees the raw
 * token, so the five entities a sanitizer writes are decoded. Lists (groups) become
 * space-separated, as `scope` already is: Cedar tags of `OAuthUser` are strings.
 */
function claimText(value: unknown): string | undefined {
  let text: string | undefined;
  if (typeof value === 'string') text = value;
  else if (typeof value === 'number' || typeof value === 'boolean') text = String(value);
  else if (Array.isArray(value) && value.every((v) => typeof v === 'string'))
    text = (value as string[]).join(' ');
  if (text === undefined || text === '' || text.length > MAX_CLAIM_CHARS) return undefined;
  return text.includes('&') ? decodeEntities(text) : text;
}

const ENTITIES: Record<string, string> = {
  '&amp;': '&',
  '&lt;': '<',
  '&gt;': '>',
  '&quot;': '"',
  '&#39;': "'",
  '&#x27;': "'",
};

function decodeEntities(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|#39|#x27);/g, (m) => ENTITIES[m] ?? m);
}

function bodyOf(body: unknown): Record<string, unknown> | undefined {
  if (typeof body === 'string') {
    // Redacted bodies ("HIDDEN_DUE_TO_SECURITY_REASONS") are common: no parse, no exception.
    if (body.length > MAX_BODY_CHARS || body.charCodeAt(0) !== 0x7b) return undefined;
    try {
      return asObject(JSON.parse(body));
    } catch {
      return undefined;
    }
  }
  return asObject(body);
}

/**
 * The outcome of a call. HTTP 401/403 are refusals (token or authorization); a JSON-RPC error
 * whose message says authorization or policy is a refusal by the policy engine; any other
 * status ≥ 400 or JSON-RPC error is a failure (the tool or target failed). The exact text
 * AgentCore Policy writes on a denial is not documented: the match is deliberately broad.
 */
export function outcomeOf(statusCode: number | undefined, responseBody: unknown): Outcome {
  if (statusCode === 401 || statusCode === 403) return 'refused';
  const body = bodyOf(responseBody);
  const error = asObject(body?.error);
  if (error !== undefined) {
    const message = typeof error.message === 'string' ? error.message : '';
    return POLICY_DENIAL.test(message) ? 'policyDenied' : 'failed';
  }
  if (statusCode !== undefined && statusCode >= 400) return 'failed';
  return 'ok';
}

/** A JSON-RPC error message that names authorization or policy (also matched in SQL). */
export const POLICY_DENIAL = /not authori[sz]ed|denied by polic|policy|forbidden|access denied/i;

function asObject(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function numberOf(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && /^\d{3}$/.test(value)) return Number(value);
  return undefined;
}
