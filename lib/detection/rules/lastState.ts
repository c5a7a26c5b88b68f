import { redactReason } from '../../shared/redact.js';
import type { CloudTrailRecord } from '../record.js';
import type { DetectionContext } from '../types.js';
import {
  NONE,
  gatewayStateOf,
  type GatewayState,
  type InterceptorState,
} from '../stateTrackers.js';
import { isListedReader } from './expectedReaders.js';
import { accountOfArn, isTrustedAccount } from './support.js';

/**
 * What a field-level change rule reads: the state of one resource before and after the record
 * being evaluated (undefined: not known; null: deleted), from the engine's comparison with the
 * last known state. Only the record's own comparison is trusted.
 */
export function changeOf<T>(
  record: CloudTrailRecord,
  context: DetectionContext,
  kind: string,
): { previous: T | null | undefined; current: T | null | undefined } | undefined {
  const changes = context.stateChanges;
  if (changes === undefined || changes.eventId !== record.eventID) return undefined;
  const change = changes.changes.find((c) => c.kind === kind);
  if (change === undefined) return undefined;
  return {
    previous: change.previous as T | null | undefined,
    current: change.current as T | null | undefined,
  };
}

/**
 * A gateway's configuration before and after the record (previous: undefined when unknown),
 * for the fields a rule compares: the record's own values are read here, from the record (so
 * the fields a rule reads are those it names), over the last known state before it.
 */
export function gatewayChange(
  record: CloudTrailRecord,
  context: DetectionContext,
  keys: readonly (keyof GatewayState)[],
): { previous: GatewayState | undefined; current: GatewayState; created: boolean } | undefined {
  const change = changeOf<GatewayState>(record, context, 'gateway');
  if (change === undefined || change.current === undefined || change.current === null) {
    return undefined;
  }
  const created = record.eventName === 'CreateGateway';
  const current = { ...(change.previous ?? {}), ...gatewayStateOf(record, new Set(keys)) };
  // A gateway's creation starts from nothing: every block it has was added.
  const previous = created ? NOTHING : (change.previous ?? undefined);
  return { previous, current, created };
}

/** The configuration a gateway "had" before its creation: no optional block. */
const NOTHING: GatewayState = {
  interceptors: [],
  wafFailureMode: NONE,
  exceptionLevel: NONE,
  policyEngineArn: NONE,
  policyEngineMode: NONE,
  kmsKeyArn: NONE,
  customTransform: NONE,
  protocol: NONE,
};

/** True when a field is known on both sides and differs. */
export function changed<K extends keyof GatewayState>(
  previous: GatewayState | undefined,
  current: GatewayState,
  key: K,
): boolean {
  if (previous === undefined) return false;
  const before = previous[key] ?? NONE;
  const after = current[key];
  return after !== undefined && JSON.stringify(before) !== JSON.stringify(after);
}

/**
 * Deploy automation: a configured automation principal (a Terraform, pipeline or CloudFormation
 * execution role), by the caller's role or user ARN. A call CloudFormation made (invokedBy
 * `cloudformation.amazonaws.com`) is not automation by itself: anyone allowed
 * cloudformation:CreateStack makes one, so the stack's role must be listed too.
 */
export function byAutomation(record: CloudTrailRecord, context: DetectionContext): boolean {
  return isListedReader(record, context.automationPrincipals);
}

/** True when a Lambda (or other) ARN belongs to an account outside the trusted ones. */
export function foreignArn(
  arn: string,
  record: CloudTrailRecord,
  context: DetectionContext,
): boolean {
  const account = accountOfArn(arn);
  return account !== undefined && !isTrustedAccount(account, record, context);
}

/** Interceptors that are new or whose configuration changed (by Lambda ARN). */
export function interceptorsAddedOrChanged(
  previous: InterceptorState[] | undefined,
  current: InterceptorState[],
): { interceptor: InterceptorState; added: boolean }[] {
  const before = new Map((previous ?? []).map((i) => [i.lambdaArn, JSON.stringify(i)]));
  return current
    .filter((i) => before.get(i.lambdaArn) !== JSON.stringify(i))
    .map((interceptor) => ({ interceptor, added: !before.has(interceptor.lambdaArn) }));
}

/**
 * Attacker-influenced text (an ARN, a Cedar entity id, a tag key) as shown in a summary: one
 * line, credentials masked, at most `max` characters. Alerts escape it again for their channel.
 */
export function shown(text: string, max = 120): string {
  const flat = redactReason(text);
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}
