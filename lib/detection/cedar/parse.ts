import { policySetTextToParts, policyToJson } from '@cedar-policy/cedar-wasm/nodejs';

/**
 * Cedar statements parsed with the real Cedar parser (`@cedar-policy/cedar-wasm`), reduced to
 * what a change rule compares: each policy's effect, principal/action/resource scopes and
 * conditions, as Cedar's own JSON form. A statement is attacker-influenced text of any size:
 * above {@link MAX_CEDAR_CHARS} it is not parsed; a parse failure is an answer, never a throw.
 */
export const MAX_CEDAR_CHARS = 10_000;

/** Cedar's JSON form of one policy (the fields compared). */
export interface CedarPolicyJson {
  effect: 'permit' | 'forbid';
  principal: ScopeJson;
  action: ScopeJson;
  resource: ScopeJson;
  conditions: unknown[];
}

/** A scope constraint: `All`, `==`, `in`, `is` (with optional `in`). */
export interface ScopeJson {
  op: string;
  entity?: { type: string; id: string };
  entities?: { type: string; id: string }[];
  entity_type?: string;
  in?: { entity?: { type: string; id: string } };
  slot?: string;
}

export type CedarParse =
  | { ok: true; policies: CedarPolicyJson[] }
  | { ok: false; reason: 'too-large' | 'unparsable' | 'empty' };

/** Policies of a Cedar statement (one or several), or why there are none. */
export function parseCedar(text: string): CedarParse {
  if (text.length > MAX_CEDAR_CHARS) return { ok: false, reason: 'too-large' };
  // The engine's state tracker and the rule read the same statement of one record.
  if (last !== undefined && last.text === text) return last.result;
  const result = parseUncached(text);
  last = { text, result };
  return result;
}

let last: { text: string; result: CedarParse } | undefined;

function parseUncached(text: string): CedarParse {
  try {
    const parts = policySetTextToParts(text);
    if (parts.type !== 'success') return { ok: false, reason: 'unparsable' };
    // Templates (with ?principal/?resource slots) are not policies a statement may hold.
    if ((parts.policy_templates ?? []).length > 0) return { ok: false, reason: 'unparsable' };
    const policies: CedarPolicyJson[] = [];
    for (const part of parts.policies ?? []) {
      const json = policyToJson(part);
      if (json.type !== 'success') return { ok: false, reason: 'unparsable' };
      policies.push(json.json as unknown as CedarPolicyJson);
    }
    return policies.length === 0 ? { ok: false, reason: 'empty' } : { ok: true, policies };
  } catch {
    return { ok: false, reason: 'unparsable' };
  }
}

/** `Type::"id"` for messages (ids are attacker text: callers escape what they show). */
function entityText(entity: { type: string; id: string } | undefined): string {
  return entity === undefined ? '?' : `${entity.type}::"${entity.id}"`;
}

/** A scope, short and stable (for messages and for comparison). */
export function scopeText(scope: ScopeJson): string {
  switch (scope.op) {
    case 'All':
      return 'any';
    case '==':
      return `== ${entityText(scope.entity)}`;
    case 'in':
      return scope.entities !== undefined
        ? `in [${scope.entities.map(entityText).join(', ')}]`
        : `in ${entityText(scope.entity)}`;
    case 'is':
      return `is ${scope.entity_type ?? '?'}${scope.in?.entity ? ` in ${entityText(scope.in.entity)}` : ''}`;
    default:
      return scope.op;
  }
}

/**
 * True when `after` admits a request `before` did not, judged on the scope alone: `any` is
 * wider than anything else; `in [..]` is wider when it gains an entity; a change of entity or
 * from `==` to `in`/`is` is wider (a group or type covers more than one entity). Equal scopes
 * are not wider.
 */
export function scopeWidened(before: ScopeJson, after: ScopeJson): boolean {
  if (scopeText(before) === scopeText(after)) return false;
  if (after.op === 'All') return true;
  if (before.op === 'All') return false;
  const entitiesOf = (s: ScopeJson) =>
    (s.entities ?? (s.entity ? [s.entity] : [])).map((e) => entityText(e));
  if ((before.op === '==' || before.op === 'in') && after.op === 'in') {
    const had = new Set(entitiesOf(before));
    const gained = entitiesOf(after).some((e) => !had.has(e));
    // `action in [A, B]` lists actions; `principal in E` also admits E's descendants.
    if (after.entities !== undefined) return gained;
    return gained || before.op === '==';
  }
  // Any other change (another entity, == → is, a type) admits requests the old scope did not.
  return true;
}

/** Conditions as comparable text (Cedar's JSON form, key order as the parser writes it). */
export function conditionsText(policy: CedarPolicyJson): string {
  return JSON.stringify(policy.conditions ?? []);
}
