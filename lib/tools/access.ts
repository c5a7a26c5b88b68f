/**
 * The "Tool access" section of one gateway: tools exposed versus called, the tools each
 * principal calls, principals that call nothing, tools nobody calls, tools called only with
 * errors, refusals, and the data events that could not be attributed.
 */
import type { Caller, Gap } from './invokeRecord.js';
import type { GatewayTools } from './inventory.js';
import type { GatewayUsage, ToolTally } from './ToolUsageCollector.js';

export interface ToolCallRow {
  tool: string;
  calls: number;
  ok: number;
  refused: number;
  policyDenied: number;
  failed: number;
  firstSeen: string;
  lastSeen: string;
  targetIds: string[];
}

export interface PrincipalRow {
  /** JWT `sub` or IAM ARN. */
  principal: string;
  kind: Caller['kind'];
  claims: Record<string, string>;
  /** Sorted by tool; a new list each time it is read (made from the usage, see `toolAccess`). */
  readonly tools: ToolCallRow[];
  /** Other JSON-RPC methods (tools/list, initialize, …) with their counts. */
  otherMethods: Record<string, number>;
}

export interface ToolAccess {
  /** Null when the gateway's tool list is not known (no `--targets`, or unreadable targets). */
  toolsExposed: string[] | null;
  toolsCalled: string[];
  /** Exposed tools no principal called (null when the tool list is not known). */
  toolsNobodyCalls: string[] | null;
  /** Tools called, never with success. */
  toolsCalledOnlyWithErrors: string[];
  /** Tools called that the tool list does not have (renamed or removed since). */
  toolsCalledNotExposed: string[];
  /** Targets whose tools could not be listed, and why. */
  targetsWithUnknownTools: { targetId: string; name: string; reason: string }[];
  principals: PrincipalRow[];
  /** Principals seen on the gateway that never called a tool. */
  principalsCallingNothing: string[];
  /** (principal, tool) pairs the policy engine refused, with counts. */
  policyRefusals: { principal: string; tool: string; count: number }[];
  events: number;
  /** Data events not attributed, by reason (counted, never guessed). */
  gaps: Record<Gap, number>;
}

const principalOf = (c: Caller): string => (c.kind === 'iam' ? c.arn : c.sub);
const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * A caller's tools as report rows, sorted by tool. Made each time they are read: a report over
 * a large trail has hundreds of thousands of (caller, tool) rows, and the renderers read them
 * one principal at a time while they write, so no row outlives the line it is written on.
 */
function toolRowsOf(tools: ReadonlyMap<string, ToolTally>): ToolCallRow[] {
  const rows: ToolCallRow[] = [];
  for (const [tool, t] of tools)
    rows.push({
      tool,
      calls: t.calls,
      ok: t.ok,
      refused: t.refused,
      policyDenied: t.policyDenied,
      failed: t.failed,
      firstSeen: t.firstSeen,
      lastSeen: t.lastSeen,
      targetIds: t.targetIds.length < 2 ? [...t.targetIds] : [...t.targetIds].sort(),
    });
  return rows.sort((a, b) => byText(a.tool, b.tool));
}

/**
 * The Tool access section of one gateway. The principals' `tools` are read from `usage` when
 * asked for (see {@link toolRowsOf}): render the report before adding records to the usage.
 */
export function toolAccess(usage: GatewayUsage, inventory: GatewayTools | undefined): ToolAccess {
  const totals = new Map<string, { calls: number; ok: number }>();
  const principals: PrincipalRow[] = [];
  const policyRefusals: ToolAccess['policyRefusals'] = [];
  const withPrincipalTools = new Set<string>();
  for (const caller of usage.callers.values()) {
    const principal = principalOf(caller.caller);
    for (const [tool, t] of caller.tools) {
      const total = totals.get(tool) ?? { calls: 0, ok: 0 };
      total.calls += t.calls;
      total.ok += t.ok;
      totals.set(tool, total);
      if (t.policyDenied > 0) policyRefusals.push({ principal, tool, count: t.policyDenied });
    }
    if (caller.tools.size > 0) withPrincipalTools.add(principal);
    const tools = caller.tools;
    principals.push({
      principal,
      kind: caller.caller.kind,
      claims: caller.caller.kind === 'oauth' ? { ...caller.caller.claims } : {},
      // An own enumerable getter: JSON.stringify and deep equality see a plain list.
      get tools() {
        return toolRowsOf(tools);
      },
      otherMethods: Object.fromEntries([...caller.otherMethods].sort((a, b) => byText(a[0], b[0]))),
    });
  }
  principals.sort(
    (a, b) =>
      byText(a.principal, b.principal) ||
      byText(JSON.stringify(a.claims), JSON.stringify(b.claims)),
  );
  const called = [...totals.keys()].sort(byText);
  const known = inventory !== undefined && inventory.targets.length > 0;
  const exposed = known
    ? inventory.targets.flatMap((t) => t.tools.map((x) => x.name)).sort(byText)
    : null;
  const exposedSet = new Set(exposed ?? []);
  const calledSet = new Set(called);
  return {
    toolsExposed: exposed,
    toolsCalled: called,
    toolsNobodyCalls: exposed === null ? null : exposed.filter((t) => !calledSet.has(t)),
    toolsCalledOnlyWithErrors: called.filter((t) => (totals.get(t)?.ok ?? 0) === 0),
    toolsCalledNotExposed: exposed === null ? [] : called.filter((t) => !exposedSet.has(t)),
    targetsWithUnknownTools: (inventory?.targets ?? [])
      .filter((t) => t.toolsUnknown !== undefined)
      .map((t) => ({ targetId: t.targetId, name: t.name, reason: t.toolsUnknown ?? '' })),
    principals,
    principalsCallingNothing: [
      ...new Set(
        principals.filter((p) => !withPrincipalTools.has(p.principal)).map((p) => p.principal),
      ),
    ].sort(byText),
    policyRefusals: policyRefusals.sort(
      (a, b) => byText(a.principal, b.principal) || byText(a.tool, b.tool),
    ),
    events: usage.events,
    gaps: { ...usage.gaps },
  };
}
