import type { UsedAction } from './analyze.js';
import { splitAction, type ActionCatalog } from './catalog.js';
import { grantCovers, type DenyStatement, type Grant } from './granted.js';
import {
  DATA_EVENT_FAMILIES,
  dataEventFamilyOf,
  needsPassRole,
  trailLogs,
} from './observability.js';
import { wildcardMatch, wildcardRegex } from './policy.js';
import { splitPolicy, validatePolicy } from './policyValidation.js';
import type {
  KeptAction,
  PolicyStatementOut,
  Recommendation,
  RecommendedPolicy,
} from './reportTypes.js';

/** Sid of the statement holding actions kept because the trail cannot show their use. */
export const KEPT_SID = 'KeptNotObservable';

const dataActionsMemo = new WeakMap<ActionCatalog, Promise<string[]>>();

/** Every catalog action CloudTrail records only as a data event (expanded once per catalog). */
export function dataEventActions(catalog: ActionCatalog): Promise<string[]> {
  let result = dataActionsMemo.get(catalog);
  if (result === undefined) {
    result = (async () => {
      const out = new Set<string>();
      for (const family of DATA_EVENT_FAMILIES) {
        for (const pattern of family.actions) {
          const regex = wildcardRegex(pattern);
          for (const a of (await catalog.actionsOf(splitAction(pattern)[0])) ?? [])
            if (regex.test(a)) out.add(a);
        }
      }
      return [...out].sort();
    })();
    dataActionsMemo.set(catalog, result);
  }
  return result;
}

/**
 * Granted actions a recommendation must keep although no call was seen: data-event-only
 * actions the trail does not log (when a statement grants them by name or service, not only
 * through `*` / NotAction), and `iam:PassRole` next to a kept call that passes a role.
 */
export function keptNotObservable(
  allowed: ReadonlySet<string>,
  used: ReadonlySet<string>,
  grants: readonly Grant[],
  dataEventsLogged: ReadonlySet<string>,
  /** {@link dataEventActions}: the few candidates, not the 22,000 actions a NotAction grants. */
  candidates: readonly string[],
): { kept: KeptAction[]; unobservableNotKept: number } {
  const kept: KeptAction[] = [];
  let unobservableNotKept = 0;
  for (const action of candidates) {
    if (!allowed.has(action) || used.has(action)) continue;
    const family = dataEventFamilyOf(action);
    if (family === undefined || trailLogs(family, dataEventsLogged)) continue;
    const named = grants.some(
      (g) =>
        !g.notAction &&
        g.actionPatterns.some((p) => p !== '*' && !/[*?]/.test(splitAction(p)[0])) &&
        grantCovers(g, action),
    );
    if (named)
      kept.push({
        action,
        kept: 'not observable',
        why: `data event (${family.resourceType}) this trail does not log`,
      });
    else unobservableNotKept += 1;
  }
  if (allowed.has('iam:PassRole') && !used.has('iam:PassRole')) {
    const consumers = [...used, ...kept.map((k) => k.action)].filter(needsPassRole).sort();
    if (consumers.length > 0)
      kept.push({
        action: 'iam:PassRole',
        kept: 'not observable',
        why: `checked inside ${consumers.slice(0, 3).join(', ')}; never logged as its own event`,
      });
  }
  return { kept: kept.sort((a, b) => a.action.localeCompare(b.action)), unobservableNotKept };
}

/** `arn:aws:s3:::bucket/key` → [partition, bucket]; undefined for anything else. */
function s3Object(arn: string): [string, string] | undefined {
  const m = /^arn:([^:]+):s3:::([^/]+)\/.+$/.exec(arn);
  return m?.[1] !== undefined && m[2] !== undefined ? [m[1], m[2]] : undefined;
}

/**
 * An object key is data, not configuration: tomorrow's object has another key. A touched
 * object ARN widens to the granted pattern that covers it when that pattern names a bucket,
 * else to the whole bucket — never to the key seen.
 */
export function widenObjectArn(arn: string, grantResources: readonly string[]): string {
  const object = s3Object(arn);
  if (object === undefined) return arn;
  const covering = grantResources
    .filter((p) => /^arn:[^:]+:s3:::[^/*?]+\//.test(p) && /[*?]/.test(p) && wildcardMatch(p, arn))
    .sort((a, b) => b.length - a.length || a.localeCompare(b))[0];
  return covering ?? `arn:${object[0]}:s3:::${object[1]}/*`;
}

interface RecommendInput {
  usedGranted: readonly string[];
  used: Map<string, UsedAction>;
  grants: readonly Grant[];
  /** ARN patterns each action can be scoped to: touched ARNs of other types are ignored. */
  arnPatterns?: Map<string, string[]>;
  kept?: readonly KeptAction[];
  denies?: readonly DenyStatement[];
}

/**
 * The least-privilege policy: the used actions plus those kept as not observable; resources
 * narrowed to the ARNs CloudTrail shows touched when that list is complete and inside the
 * original grant (object ARNs widened to their granted prefix), otherwise the original grant's
 * resources; the original conditions kept; every Deny statement carried over unchanged.
 * Undefined when nothing is left to allow (an idle principal gets no policy, never an empty one).
 */
export function recommendPolicy(input: RecommendInput): RecommendedPolicy | undefined {
  const { used, grants } = input;
  const arnPatterns = input.arnPatterns ?? new Map<string, string[]>();
  const keptActions = new Set((input.kept ?? []).map((k) => k.action));
  const groups = new Map<string, PolicyStatementOut>();
  for (const action of [...input.usedGranted, ...keptActions]) {
    const covering = grants.filter((g) => grantCovers(g, action));
    if (covering.length === 0) continue;
    const sid = keptActions.has(action) ? KEPT_SID : undefined;
    for (const { resourcePart, conditions } of statementParts(
      action,
      covering,
      used.get(action),
      arnPatterns.get(action),
    )) {
      const key = JSON.stringify([sid ?? '', resourcePart, conditions ?? null]);
      const statement = groups.get(key) ?? {
        ...(sid === undefined ? {} : { Sid: sid }),
        Effect: 'Allow' as const,
        Action: [],
        ...resourcePart,
        ...(conditions === undefined ? {} : { Condition: conditions }),
      };
      statement.Action?.push(action);
      groups.set(key, statement);
    }
  }
  if (groups.size === 0) return undefined;
  const allows = [...groups.values()].map((s) => ({ ...s, Action: (s.Action ?? []).sort() }));
  allows.sort((a, b) => (a.Action[0] ?? '').localeCompare(b.Action[0] ?? ''));
  // Several kept statements (different resources) need distinct Sids.
  let keptIndex = 0;
  for (const s of allows) if (s.Sid === KEPT_SID) s.Sid = `${KEPT_SID}${keptIndex++ || ''}`;
  return { Version: '2012-10-17', Statement: [...allows, ...carriedDenies(input.denies ?? [])] };
}

type ResourcePart = Pick<PolicyStatementOut, 'Resource' | 'NotResource'>;
interface StatementPart {
  resourcePart: ResourcePart;
  conditions: Grant['conditions'];
}

/** The service of an ARN (`arn:aws:ec2:…` → `ec2`). */
const arnService = (arn: string) => arn.split(':')[2];

/**
 * Where one action is allowed in the recommendation. An action that supports no resource type
 * stays on "*" (IAM accepts nothing else). Touched ARNs narrow it when CloudTrail's list is
 * complete, inside the grant, and of a resource type the action supports — whatever service
 * that type belongs to (ssm:SendCommand names EC2 instances). Otherwise the covering grants'
 * resources, without mixing "*" and ARNs in one statement: an unconditional "*" makes every
 * scoped grant redundant; a conditional grant keeps its own statement with its conditions.
 */
function statementParts(
  action: string,
  covering: readonly Grant[],
  touched: UsedAction | undefined,
  patterns: readonly string[] | undefined,
): StatementPart[] {
  // Statements are OR-ed: keeping a condition is only safe when every covering grant has one.
  const sharedConditions = covering.every((g) => g.conditions !== undefined)
    ? covering[0]?.conditions
    : undefined;
  if (patterns !== undefined && patterns.length === 0)
    return [{ resourcePart: { Resource: ['*'] }, conditions: sharedConditions }];
  const byResource = covering.filter((g) => !g.notResource);
  const byExclusion = covering.filter((g) => g.notResource);
  const grantResources = [...new Set(byResource.flatMap((g) => g.resources))];
  const inGrant = (arn: string) =>
    grantResources.some((p) => wildcardMatch(p, arn)) ||
    byExclusion.some((g) => !g.resources.some((p) => wildcardMatch(p, arn)));
  const [service] = splitAction(action);
  const supported = (arn: string) =>
    patterns === undefined
      ? arnService(arn) === service
      : patterns.some((p) => wildcardMatch(p, arn));
  const narrowed =
    touched?.resourcesExact === true
      ? [
          ...new Set(
            [...touched.resources]
              .filter((arn) => supported(arn) && inGrant(arn))
              .map((arn) => widenObjectArn(arn, grantResources)),
          ),
        ]
      : [];
  if (narrowed.length > 0)
    return [{ resourcePart: { Resource: narrowed.sort() }, conditions: sharedConditions }];
  if (byExclusion.length > 0) {
    // NotResource grants cover everything but their exceptions: together, all but the common ones.
    const exceptions = byExclusion
      .map((g) => g.resources)
      .reduce((common, list) => common.filter((r) => list.includes(r)));
    const remaining = exceptions.filter((e) => !grantResources.some((p) => wildcardMatch(p, e)));
    return [
      {
        resourcePart:
          remaining.length > 0 ? { NotResource: [...remaining].sort() } : { Resource: ['*'] },
        conditions: sharedConditions,
      },
    ];
  }
  return grantParts(byResource);
}

/** The covering grants' resources as statements: "*" alone, never beside ARNs it covers. */
function grantParts(grants: readonly Grant[]): StatementPart[] {
  const open = grants.filter((g) => g.conditions === undefined);
  const openResources = [...new Set(open.flatMap((g) => g.resources))];
  if (openResources.includes('*'))
    return [{ resourcePart: { Resource: ['*'] }, conditions: undefined }];
  const parts: StatementPart[] = [];
  if (openResources.length > 0)
    parts.push({ resourcePart: { Resource: openResources.sort() }, conditions: undefined });
  // A conditional grant adds only what the unconditional ones do not already allow.
  const byCondition = new Map<
    string,
    { resources: Set<string>; conditions: Grant['conditions'] }
  >();
  for (const g of grants) {
    if (g.conditions === undefined) continue;
    const key = JSON.stringify(g.conditions);
    const entry = byCondition.get(key) ?? {
      resources: new Set<string>(),
      conditions: g.conditions,
    };
    for (const r of g.resources)
      if (!openResources.some((p) => wildcardMatch(p, r))) entry.resources.add(r);
    byCondition.set(key, entry);
  }
  for (const { resources, conditions } of byCondition.values()) {
    if (resources.size === 0) continue;
    const list = resources.has('*') ? ['*'] : [...resources].sort();
    parts.push({ resourcePart: { Resource: list }, conditions });
  }
  return parts;
}

/** The Deny statements as written, deduplicated (an MFA guard in two policies is one). */
function carriedDenies(denies: readonly DenyStatement[]): PolicyStatementOut[] {
  const out = new Map<string, PolicyStatementOut>();
  for (const { statement: s } of denies) {
    const deny: PolicyStatementOut = {
      ...(s.sid !== undefined && /^[A-Za-z0-9]+$/.test(s.sid) ? { Sid: s.sid } : {}),
      Effect: 'Deny',
      ...(s.notAction ? { NotAction: s.actions } : { Action: s.actions }),
      ...(s.notResource ? { NotResource: s.resources } : { Resource: s.resources }),
      ...(s.conditions === undefined ? {} : { Condition: s.conditions }),
    };
    const { Sid: _sid, ...body } = deny;
    const key = JSON.stringify(body);
    if (!out.has(key)) out.set(key, deny);
  }
  // Sids must be unique in one document.
  const seen = new Set<string>();
  return [...out.values()].map((d) => {
    if (d.Sid === undefined) return d;
    if (seen.has(d.Sid)) {
      const { Sid: _dup, ...rest } = d;
      return rest;
    }
    seen.add(d.Sid);
    return d;
  });
}

/** Validation (and parts when too large) of a recommended policy. */
export function checkRecommended(
  policy: RecommendedPolicy,
): Pick<Recommendation, 'validation' | 'parts'> {
  const validation = validatePolicy(policy);
  if (validation.characters <= validation.limit) return { validation };
  return { validation, parts: splitPolicy(policy) };
}
