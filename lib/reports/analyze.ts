import { actionsOfEvent } from './actionMap.js';
import type { ActionCatalog } from './catalog.js';
import { compactActions, grantCovers, type Grant, type GrantedSet } from './granted.js';
import { diffPolicy } from './policyDiff.js';
import {
  checkRecommended,
  dataEventActions,
  keptNotObservable,
  recommendPolicy,
} from './recommend.js';
import type {
  ConditionalDeny,
  PolicyGrantOut,
  PrincipalReport,
  Recommendation,
  RecommendedPolicy,
} from './reportTypes.js';
import { findHighRiskGrants, findWildcardGrants } from './risks.js';
import type { PrincipalUsage } from './UsageCollector.js';

/** An IAM action a principal used, with what CloudTrail says it touched. */
export interface UsedAction {
  action: string;
  count: number;
  resources: Set<string>;
  /** False when the touched resources are incomplete (capped or aggregated source). */
  resourcesExact: boolean;
  lastSeen?: string;
}

/** CloudTrail operations that did not resolve to a catalog action, with counts. */
export type UnmappedTally = Map<string, { eventSource: string; eventName: string; count: number }>;

/** Turns a principal's CloudTrail operations into catalog actions; tallies what does not map. */
export async function resolveUsage(
  usage: PrincipalUsage | undefined,
  catalog: ActionCatalog,
  unmapped: UnmappedTally,
): Promise<Map<string, UsedAction>> {
  const used = new Map<string, UsedAction>();
  for (const event of usage?.events.values() ?? []) {
    for (const candidate of actionsOfEvent(event.eventSource, event.eventName)) {
      const action = await catalog.canonical(candidate);
      if (action === undefined) {
        const key = `${event.eventSource}|${event.eventName}`;
        const tally = unmapped.get(key) ?? {
          eventSource: event.eventSource,
          eventName: event.eventName,
          count: 0,
        };
        tally.count += event.count;
        unmapped.set(key, tally);
        continue;
      }
      const entry = used.get(action) ?? {
        action,
        count: 0,
        resources: new Set<string>(),
        resourcesExact: true,
      };
      entry.count += event.count;
      event.resources.forEach((r) => entry.resources.add(r));
      if (event.resourcesTruncated || event.resourcesUnknown) entry.resourcesExact = false;
      if (
        event.lastSeen !== undefined &&
        (entry.lastSeen === undefined || event.lastSeen > entry.lastSeen)
      ) {
        entry.lastSeen = event.lastSeen;
      }
      used.set(action, entry);
    }
  }
  return used;
}

/** What the analysis of one principal needs besides its grants and usage. */
export interface PrincipalContext {
  /** Data-event resource types the trail was seen to log. */
  dataEventsLogged: ReadonlySet<string>;
  /** ARN of the permissions boundary, which still applies after any recommendation. */
  boundary?: string;
  /** Inputs missing for this principal (a boundary or group absent from the export). */
  inputGaps?: string[];
}

/** Granted vs used for one principal. `used` undefined means no activity source was read. */
export async function analyzePrincipal(
  identity: { arn: string; name: string; type: 'role' | 'user' | 'root' },
  granted: GrantedSet,
  used: Map<string, UsedAction> | undefined,
  catalog: ActionCatalog,
  context: PrincipalContext = { dataEventsLogged: new Set() },
): Promise<PrincipalReport> {
  const usedActions = used === undefined ? [] : [...used.keys()].sort();
  const usedGranted = usedActions.filter((a) => granted.allowed.has(a));
  const usedSet = new Set(usedActions);
  const unused = used === undefined ? [] : [...granted.allowed].filter((a) => !usedSet.has(a));
  const lastUsed =
    used === undefined ? undefined : maxOf([...used.values()].map((u) => u.lastSeen));
  const unusedActions = await compactActions(unused, catalog);
  const recommendation = await recommendationFor(granted, used, usedGranted, catalog, context, {
    raw: unused,
    list: unusedActions,
  });
  const report: PrincipalReport = {
    arn: identity.arn,
    name: identity.name,
    type: identity.type,
    kind: 'other',
    gateways: [],
    grantedActionCount: granted.allowed.size,
    grantedActions: await compactActions(granted.allowed, catalog),
    usageKnown: used !== undefined,
    usedActions,
    usedNotGranted: usedActions.filter((a) => !granted.allowed.has(a)),
    unusedActionCount: unused.length,
    unusedActions,
    unknownActions: granted.unknownActions,
    deniedActions: granted.deniedActions,
    outsideBoundary: granted.outsideBoundary,
    wildcardGrants: await findWildcardGrants(granted.grants, catalog, granted.allowed),
    highRiskGrants: (await findHighRiskGrants(granted.grants, catalog, granted.allowed)).map(
      ({ severity: _severity, ...risk }) => risk,
    ),
    riskCategories: [],
    conditionalDenies: conditionalDenies(granted.denies),
    policyGrants: granted.grants.map((g) =>
      policyGrantOut(g, used === undefined ? undefined : usedGranted),
    ),
    inputGaps: context.inputGaps ?? [],
    recommendedPolicy: recommendation.policy ?? null,
    recommendation: recommendation.recommendation,
    eventCount: used === undefined ? 0 : [...used.values()].reduce((n, u) => n + u.count, 0),
  };
  if (lastUsed !== undefined) report.lastUsed = lastUsed;
  return report;
}

/** Which policy grants what: one Allow statement, with the used actions it covers. */
function policyGrantOut(grant: Grant, usedGranted: readonly string[] | undefined): PolicyGrantOut {
  return {
    policy: grant.policy,
    ...(grant.viaGroup === undefined ? {} : { viaGroup: grant.viaGroup }),
    ...(grant.sid === undefined ? {} : { sid: grant.sid }),
    actions: grant.actionPatterns,
    notAction: grant.notAction,
    resources: grant.resources,
    notResource: grant.notResource,
    conditional: grant.conditions !== undefined,
    expandedCount: grant.actions.length,
    usedCount:
      usedGranted === undefined ? null : usedGranted.filter((a) => grantCovers(grant, a)).length,
  };
}

async function recommendationFor(
  granted: GrantedSet,
  used: Map<string, UsedAction> | undefined,
  usedGranted: string[],
  catalog: ActionCatalog,
  context: PrincipalContext,
  unused: { raw: string[]; list: string[] },
): Promise<{ policy?: RecommendedPolicy; recommendation: Recommendation }> {
  const base = {
    carriedDenies: 0,
    ...(context.boundary === undefined ? {} : { boundary: context.boundary }),
  };
  if (used === undefined)
    return { recommendation: { status: 'unknown', kept: [], unobservableNotKept: 0, ...base } };
  const { kept, unobservableNotKept } = keptNotObservable(
    granted.allowed,
    new Set(usedGranted),
    granted.grants,
    context.dataEventsLogged,
    await dataEventActions(catalog),
  );
  const policy = recommendPolicy({
    usedGranted,
    used,
    grants: granted.grants,
    arnPatterns: await resourcePatternsOf(usedGranted, catalog),
    kept,
    denies: granted.denies,
  });
  const recommendation: Recommendation = {
    status: usedGranted.length === 0 ? 'idle' : 'recommended',
    kept,
    unobservableNotKept,
    ...base,
    carriedDenies: policy?.Statement.filter((s) => s.Effect === 'Deny').length ?? 0,
  };
  if (policy !== undefined) Object.assign(recommendation, checkRecommended(policy));
  recommendation.diff = diffPolicy(
    granted.grants,
    granted.denies,
    policy,
    await removedActions(unused, kept, catalog),
  );
  return policy === undefined ? { recommendation } : { policy, recommendation };
}

const serviceOf = (action: string) => action.slice(0, action.indexOf(':'));

/**
 * What the recommendation removes: the unused actions minus the kept ones (kept actions are
 * always unused). Only the services of kept actions are compacted again.
 */
async function removedActions(
  unused: { raw: string[]; list: string[] },
  kept: readonly { action: string }[],
  catalog: ActionCatalog,
): Promise<{ list: string[]; count: number }> {
  if (kept.length === 0) return { list: unused.list, count: unused.raw.length };
  const keptSet = new Set(kept.map((k) => k.action));
  const services = new Set(kept.map((k) => serviceOf(k.action)));
  const again = unused.raw.filter((a) => services.has(serviceOf(a)) && !keptSet.has(a));
  return {
    list: [
      ...unused.list.filter((entry) => !services.has(serviceOf(entry))),
      ...(await compactActions(again, catalog)),
    ].sort(),
    count: unused.raw.length - keptSet.size,
  };
}

function conditionalDenies(denies: GrantedSet['denies']): ConditionalDeny[] {
  return denies
    .filter(
      ({ statement: s }) =>
        s.conditions !== undefined || s.notResource || !s.resources.includes('*'),
    )
    .map(({ policy, statement: s }) => ({
      policy,
      ...(s.sid === undefined ? {} : { sid: s.sid }),
      actions: s.actions,
      notAction: s.notAction,
      resources: s.resources,
      notResource: s.notResource,
      conditionKeys: [
        ...new Set(Object.values(s.conditions ?? {}).flatMap((block) => Object.keys(block))),
      ].sort(),
    }));
}

function maxOf(values: (string | undefined)[]): string | undefined {
  let max: string | undefined;
  for (const v of values) if (v !== undefined && (max === undefined || v > max)) max = v;
  return max;
}

async function resourcePatternsOf(
  actions: readonly string[],
  catalog: ActionCatalog,
): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const action of actions) out.set(action, (await catalog.resourcePatterns(action)) ?? []);
  return out;
}
