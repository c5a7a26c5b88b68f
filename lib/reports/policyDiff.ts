import { grantCovers, type DenyStatement, type Grant } from './granted.js';
import type { PolicyDiff, PolicyStatementOut, RecommendedPolicy } from './reportTypes.js';

const MAX_ACTIONS_PER_LINE = 12;
const MAX_NARROWED = 50;

function list(values: readonly string[]): string {
  const shown = values.slice(0, MAX_ACTIONS_PER_LINE).join(', ');
  return values.length > MAX_ACTIONS_PER_LINE
    ? `${shown} … (${values.length - MAX_ACTIONS_PER_LINE} more)`
    : shown;
}

function describe(
  effect: string,
  notAction: boolean,
  actions: readonly string[],
  notResource: boolean,
  resources: readonly string[],
  conditions: Record<string, Record<string, unknown>> | undefined,
): string {
  const what = notAction ? `every action except ${list(actions)}` : list(actions);
  const where = notResource ? `every resource except ${list(resources)}` : list(resources);
  const when =
    conditions === undefined
      ? ''
      : ` when ${Object.entries(conditions)
          .flatMap(([op, block]) => Object.keys(block).map((k) => `${op} ${k}`))
          .join(', ')}`;
  return `${effect} ${what} on ${where}${when}`;
}

function describeOut(s: PolicyStatementOut): string {
  return describe(
    s.Effect,
    s.NotAction !== undefined,
    s.Action ?? s.NotAction ?? [],
    s.NotResource !== undefined,
    s.Resource ?? s.NotResource ?? [],
    s.Condition,
  );
}

/**
 * The recommendation against today's policies: what is removed, which resources narrow, and
 * a line per statement (`-` current grant, `+` recommended, ` ` carried unchanged).
 */
export function diffPolicy(
  grants: readonly Grant[],
  denies: readonly DenyStatement[],
  recommended: RecommendedPolicy | undefined,
  /** Granted actions the recommendation drops, compacted, and their number. */
  removed: { list: string[]; count: number },
): PolicyDiff {
  const statements = recommended?.Statement ?? [];
  const narrowed: PolicyDiff['narrowed'] = [];
  for (const s of statements) {
    if (s.Effect !== 'Allow' || s.Resource === undefined) continue;
    for (const action of s.Action ?? []) {
      if (narrowed.length >= MAX_NARROWED) break;
      const from = [
        ...new Set(grants.filter((g) => grantCovers(g, action)).flatMap((g) => g.resources)),
      ].sort();
      if (JSON.stringify(from) !== JSON.stringify(s.Resource)) {
        narrowed.push({ action, from, to: s.Resource });
      }
    }
  }
  const lines = [
    ...grants.map(
      (g) =>
        `- ${g.policy}${g.sid === undefined ? '' : ` ${g.sid}`}: ${describe('Allow', g.notAction, g.actionPatterns, g.notResource, g.resources, g.conditions)}`,
    ),
    ...denies.map(
      (d) =>
        `  ${d.policy}${d.statement.sid === undefined ? '' : ` ${d.statement.sid}`}: ${describe('Deny', d.statement.notAction, d.statement.actions, d.statement.notResource, d.statement.resources, d.statement.conditions)}`,
    ),
    ...statements
      .filter((s) => s.Effect === 'Allow')
      .map((s) => `+ ${s.Sid === undefined ? '' : `${s.Sid}: `}${describeOut(s)}`),
  ];
  return {
    removed: removed.list,
    removedCount: removed.count,
    narrowed,
    lines,
  };
}
