import { actionsOfEvent } from './actionMap.js';
import { splitAction, type ActionCatalog } from './catalog.js';
import { compactActions, type Grant, type GrantedSet } from './granted.js';
import { wildcardMatch } from './policy.js';
import type { PolicyStatementOut, PrincipalReport, RecommendedPolicy } from './reportTypes.js';
import { findHighRiskGrants, findWildcardGrants } from './risks.js';
import type { PrincipalUsage } from './usage.js';

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

/** Granted vs used for one principal. `used` undefined means no activity source was read. */
export async function analyzePrincipal(
  identity: { arn: string; name: string; type: 'role' | 'user' | 'root' },
  granted: GrantedSet,
  used: Map<string, UsedAction> | undefined,
  catalog: ActionCatalog,
): Promise<PrincipalReport> {
  const usedActions = used === undefined ? [] : [...used.keys()].sort();
  const usedGranted = usedActions.filter((a) => granted.allowed.has(a));
  const usedSet = new Set(usedActions);
  const unused = used === undefined ? [] : [...granted.allowed].filter((a) => !usedSet.has(a));
  const lastUsed =
    used === undefined ? undefined : maxOf([...used.values()].map((u) => u.lastSeen));
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
    unusedActions: await compactActions(unused, catalog),
    unknownActions: granted.unknownActions,
    deniedActions: granted.deniedActions,
    outsideBoundary: granted.outsideBoundary,
    wildcardGrants: await findWildcardGrants(granted.grants, catalog),
    highRiskGrants: (await findHighRiskGrants(granted.grants, catalog, granted.allowed)).map(
      ({ severity: _severity, ...risk }) => risk,
    ),
    recommendedPolicy:
      used === undefined
        ? null
        : recommendPolicy(
            usedGranted,
            used,
            granted.grants,
            await resourcePatternsOf(usedGranted, catalog),
          ),
    eventCount: used === undefined ? 0 : [...used.values()].reduce((n, u) => n + u.count, 0),
  };
  if (lastUsed !== undefined) report.lastUsed = lastUsed;
  return report;
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

/**
 * The least-privilege policy: the used actions only; resources narrowed to the ARNs CloudTrail
 * shows touched when that list is complete and inside the original grant, otherwise the
 * original grant's resources; the original conditions kept.
 */
export function recommendPolicy(
  usedGranted: readonly string[],
  used: Map<string, UsedAction>,
  grants: readonly Grant[],
  /** ARN patterns each action can be scoped to: touched ARNs of other types are ignored. */
  arnPatterns: Map<string, string[]> = new Map(),
): RecommendedPolicy {
  const groups = new Map<string, PolicyStatementOut>();
  for (const action of usedGranted) {
    const covering = grants.filter((g) => g.actions.includes(action));
    if (covering.length === 0) continue;
    const grantResources = covering.some((g) => g.notResource)
      ? ['*']
      : [...new Set(covering.flatMap((g) => g.resources))];
    const touched = used.get(action);
    const [service] = splitAction(action);
    const patterns = arnPatterns.get(action);
    const narrowed =
      touched?.resourcesExact === true
        ? [...touched.resources].filter(
            (arn) =>
              arn.split(':')[2] === service &&
              (patterns === undefined ||
                patterns.length === 0 ||
                patterns.some((p) => wildcardMatch(p, arn))) &&
              grantResources.some((p) => wildcardMatch(p, arn)),
          )
        : [];
    const resources = (narrowed.length > 0 ? narrowed : grantResources).sort();
    // Statements are OR-ed: keeping a condition is only safe when every covering grant has one.
    const conditions = covering.every((g) => g.conditions !== undefined)
      ? covering[0]?.conditions
      : undefined;
    const key = JSON.stringify([resources, conditions ?? null]);
    const statement = groups.get(key) ?? {
      Effect: 'Allow' as const,
      Action: [],
      Resource: resources,
      ...(conditions === undefined ? {} : { Condition: conditions }),
    };
    statement.Action.push(action);
    groups.set(key, statement);
  }
  const statements = [...groups.values()].map((s) => ({ ...s, Action: s.Action.sort() }));
  statements.sort((a, b) => (a.Action[0] ?? '').localeCompare(b.Action[0] ?? ''));
  return { Version: '2012-10-17', Statement: statements };
}
