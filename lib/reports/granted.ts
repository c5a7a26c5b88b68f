import { splitAction, type ActionCatalog } from './catalog.js';
import type { AppliedPolicy, IamPrincipal } from './iamModel.js';
import { wildcardRegex, type Statement } from './policy.js';

/** One Allow statement as it grants actions to a principal, with its resources and conditions. */
export interface Grant {
  /** `inline:<name>`, or the managed policy ARN. */
  policy: string;
  viaGroup?: string;
  sid?: string;
  /** Action patterns as written (the excluded ones when `notAction`). */
  actionPatterns: string[];
  notAction: boolean;
  resources: string[];
  notResource: boolean;
  conditions?: Record<string, Record<string, unknown>>;
  /** Canonical actions this statement grants, after expansion against the catalog. */
  actions: string[];
}

/** A Deny statement of one of the principal's policies, as written. */
export interface DenyStatement {
  policy: string;
  statement: Statement;
}

/** What a principal is granted, once expanded, denied and bounded. */
export interface GrantedSet {
  grants: Grant[];
  /** Canonical actions effectively allowed (explicit denies and the boundary applied). */
  allowed: Set<string>;
  /** Actions or patterns in Allow statements that match nothing in the catalog. */
  unknownActions: string[];
  /** Actions removed by an unconditional `Deny` on every resource. */
  deniedActions: string[];
  /** Actions granted by policies but outside the permissions boundary. */
  outsideBoundary: string[];
  /** Deny statements with conditions or specific resources: they narrow but do not remove. */
  partialDenies: number;
  /** Every Deny statement of the identity policies (carried into recommendations). */
  denies: DenyStatement[];
}

/** Expands IAM action patterns against the catalog, reading only the services they name. */
export class ActionExpander {
  private readonly memo = new Map<string, Promise<{ actions: string[]; unknown: boolean }>>();
  private allServices?: Promise<string[]>;
  private readonly notActionMemo = new Map<
    string,
    Promise<{ actions: string[]; unknown: string[] }>
  >();

  constructor(private readonly catalog: ActionCatalog) {}

  /** Canonical actions matched by one pattern; `unknown` when the catalog matches none. */
  expand(pattern: string): Promise<{ actions: string[]; unknown: boolean }> {
    let result = this.memo.get(pattern);
    if (result === undefined) {
      result = this.expandUncached(pattern);
      this.memo.set(pattern, result);
    }
    return result;
  }

  /** Every action of every service (needed only for `*`, `NotAction` and `*:` patterns). */
  everything(): Promise<string[]> {
    this.allServices ??= (async () => {
      const services = await this.catalog.services();
      const lists = await Promise.all(services.map((s) => this.catalog.actionsOf(s)));
      return lists.flatMap((l) => l ?? []);
    })();
    return this.allServices;
  }

  private async expandUncached(pattern: string): Promise<{ actions: string[]; unknown: boolean }> {
    if (pattern === '*') return { actions: await this.everything(), unknown: false };
    const [service, name] = splitAction(pattern);
    if (name === undefined) return { actions: [], unknown: true };
    const regex = wildcardRegex(pattern);
    const candidates = /[*?]/.test(service)
      ? await this.everything()
      : ((await this.catalog.actionsOf(service)) ?? []);
    const actions = /[*?]/.test(pattern)
      ? candidates.filter((a) => regex.test(a))
      : candidates.filter((a) => a.toLowerCase() === pattern.toLowerCase());
    return { actions, unknown: actions.length === 0 };
  }

  /** Canonical actions a statement covers (NotAction: everything except the listed ones). */
  async expandStatement(statement: Statement): Promise<{ actions: string[]; unknown: string[] }> {
    if (statement.notAction) {
      // NotAction expands to most of the catalog; the same exclusion list recurs across roles.
      const key = JSON.stringify(statement.actions);
      let result = this.notActionMemo.get(key);
      if (result === undefined) {
        result = (async () => {
          const excluded = statement.actions.map((p) => wildcardRegex(p));
          const all = await this.everything();
          return { actions: all.filter((a) => !excluded.some((r) => r.test(a))), unknown: [] };
        })();
        this.notActionMemo.set(key, result);
      }
      const { actions, unknown } = await result;
      return { actions: [...actions], unknown: [...unknown] };
    }
    const expansions = await Promise.all(statement.actions.map((p) => this.expand(p)));
    const unknown = statement.actions.filter((_, i) => expansions[i]?.unknown === true);
    return { actions: [...new Set(expansions.flatMap((e) => e.actions))], unknown };
  }
}

/**
 * True when a grant covers a catalog action. Tested on the few patterns as written, not the
 * expanded list (22,000 entries for a NotAction grant): the same answer, without the scan.
 */
export function grantCovers(grant: Grant, action: string): boolean {
  const listed = grant.actionPatterns.some((p) => wildcardRegex(p).test(action));
  return grant.notAction ? !listed : listed;
}

function policyLabel(policy: AppliedPolicy): string {
  return policy.kind === 'managed' ? (policy.arn ?? policy.name) : `inline:${policy.name}`;
}

/**
 * Computes what a principal is granted: every Allow statement expanded to catalog actions
 * (resources and conditions kept per grant), unconditional explicit denies removed, and the
 * permissions boundary applied. Unknown actions are reported, never dropped silently.
 */
export async function computeGranted(
  principal: IamPrincipal,
  expander: ActionExpander,
): Promise<GrantedSet> {
  const grants: Grant[] = [];
  const unknown = new Set<string>();
  const allowed = new Set<string>();
  const denied = new Set<string>();
  const denies: DenyStatement[] = [];
  let partialDenies = 0;

  for (const policy of principal.policies) {
    for (const statement of policy.document.statements) {
      const { actions, unknown: unknownPatterns } = await expander.expandStatement(statement);
      if (statement.effect === 'Deny') {
        denies.push({ policy: policyLabel(policy), statement });
        if (isUnconditionalEverywhere(statement)) actions.forEach((a) => denied.add(a));
        else partialDenies += 1;
        continue;
      }
      unknownPatterns.forEach((p) => unknown.add(p));
      const grant: Grant = {
        policy: policyLabel(policy),
        actionPatterns: statement.actions,
        notAction: statement.notAction,
        resources: statement.resources,
        notResource: statement.notResource,
        actions,
      };
      if (policy.viaGroup !== undefined) grant.viaGroup = policy.viaGroup;
      if (statement.sid !== undefined) grant.sid = statement.sid;
      if (statement.conditions !== undefined) grant.conditions = statement.conditions;
      grants.push(grant);
      actions.forEach((a) => allowed.add(a));
    }
  }

  const deniedActions = [...allowed].filter((a) => denied.has(a));
  deniedActions.forEach((a) => allowed.delete(a));

  const outsideBoundary: string[] = [];
  if (principal.boundary !== undefined) {
    const bounded = new Set<string>();
    for (const statement of principal.boundary.document.statements) {
      if (statement.effect !== 'Allow') continue;
      (await expander.expandStatement(statement)).actions.forEach((a) => bounded.add(a));
    }
    for (const statement of principal.boundary.document.statements) {
      if (statement.effect === 'Deny' && isUnconditionalEverywhere(statement)) {
        (await expander.expandStatement(statement)).actions.forEach((a) => bounded.delete(a));
      }
    }
    for (const action of allowed) {
      if (!bounded.has(action)) outsideBoundary.push(action);
    }
    outsideBoundary.forEach((a) => allowed.delete(a));
  }

  return {
    grants,
    allowed,
    unknownActions: [...unknown].sort(),
    deniedActions: deniedActions.sort(),
    outsideBoundary: outsideBoundary.sort(),
    partialDenies,
    denies,
  };
}

function isUnconditionalEverywhere(statement: Statement): boolean {
  return (
    statement.conditions === undefined &&
    !statement.notResource &&
    statement.resources.includes('*')
  );
}

/**
 * Compacts a list of canonical actions for people: a service whose every catalog action is
 * present becomes `service:*` (so an administrator role is ~450 lines, not 22,000).
 */
export async function compactActions(
  actions: Iterable<string>,
  catalog: ActionCatalog,
): Promise<string[]> {
  const byService = new Map<string, string[]>();
  for (const action of new Set(actions)) {
    const i = action.indexOf(':');
    const service = i < 0 ? action : action.slice(0, i);
    const list = byService.get(service);
    if (list === undefined) byService.set(service, [action]);
    else list.push(action);
  }
  const out: string[] = [];
  for (const [service, list] of byService) {
    const all = await catalog.actionsOf(service);
    // Entries are distinct canonical actions of the service: equal counts mean all of them.
    if (all !== undefined && all.length > 1 && list.length >= all.length) out.push(`${service}:*`);
    else for (const action of list) out.push(action);
  }
  return out.sort();
}
