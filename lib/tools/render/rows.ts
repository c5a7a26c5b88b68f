/** Table rows both renderers share, so Markdown and HTML say the same thing. */
import type { Gap } from '../invokeRecord.js';
import type { GatewayToolReport } from '../report.js';

export const GAP_TEXT: Record<Gap, string> = {
  missingGateway: 'no gateway ARN',
  missingCaller: 'no JWT claims or IAM caller',
  unauthenticated: 'refused token (anonymous caller)',
  missingMethod: 'no JSON-RPC method',
  missingTool: 'tools/call without a tool name',
  missingTargetId: 'tools/call without additionalEventData.targetId (counted, call kept)',
};

export const TOOL_HEADER = [
  'tool',
  'exposed',
  'calls',
  'ok',
  'refused',
  'policy denied',
  'failed',
  'principals',
];

/** Tool rows by access section: Markdown and HTML show the same table, read once. */
const toolRowsMade = new WeakMap<object, (string | number)[][]>();

/** One row per tool exposed or called: totals over principals (one pass over their rows). */
export function toolRows(g: GatewayToolReport): (string | number)[][] {
  const a = g.access;
  if (a === undefined) return [];
  let rows = toolRowsMade.get(a);
  if (rows === undefined) {
    rows = toolRowsOf(a);
    toolRowsMade.set(a, rows);
  }
  return rows;
}

function toolRowsOf(a: NonNullable<GatewayToolReport['access']>): (string | number)[][] {
  const totals = new Map<
    string,
    { calls: number; ok: number; refused: number; denied: number; failed: number }
  >();
  // Distinct principal names: one subject seen with other claims is one principal here.
  const principalsOf = new Map<string, Set<string>>();
  for (const p of a.principals)
    for (const t of p.tools) {
      let total = totals.get(t.tool);
      let who = principalsOf.get(t.tool);
      if (total === undefined || who === undefined) {
        total = { calls: 0, ok: 0, refused: 0, denied: 0, failed: 0 };
        who = new Set();
        totals.set(t.tool, total);
        principalsOf.set(t.tool, who);
      }
      total.calls += t.calls;
      total.ok += t.ok;
      total.refused += t.refused;
      total.denied += t.policyDenied;
      total.failed += t.failed;
      who.add(p.principal);
    }
  const names = [...new Set([...(a.toolsExposed ?? []), ...a.toolsCalled])].sort();
  const exposed = new Set(a.toolsExposed ?? []);
  return names.map((tool) => {
    const t = totals.get(tool);
    return [
      tool,
      a.toolsExposed === null ? '?' : exposed.has(tool) ? 'yes' : 'no',
      t?.calls ?? 0,
      t?.ok ?? 0,
      t?.refused ?? 0,
      t?.denied ?? 0,
      t?.failed ?? 0,
      principalsOf.get(tool)?.size ?? 0,
    ];
  });
}

export const PRINCIPAL_HEADER = ['principal', 'claims', 'tools called (ok/calls)', 'last seen'];

/** The principals table's rows, made one at a time (a large report has many). */
export function* principalRows(g: GatewayToolReport): Generator<(string | number)[]> {
  for (const p of g.access?.principals ?? []) {
    const tools = p.tools;
    yield [
      p.principal,
      Object.entries(p.claims)
        .map(([k, v]) => `${k}=${v}`)
        .join(', '),
      tools.map((t) => `${t.tool} (${t.ok}/${t.calls})`).join(', ') || '—',
      tools.reduce((m, t) => (t.lastSeen > m ? t.lastSeen : m), ''),
    ];
  }
}

/** The number of rows {@link principalRows} makes. */
export const principalRowCount = (g: GatewayToolReport): number => g.access?.principals.length ?? 0;

export function gapRows(g: GatewayToolReport): (string | number)[][] {
  return Object.entries(g.access?.gaps ?? {})
    .filter(([, n]) => n > 0)
    .map(([gap, n]) => [GAP_TEXT[gap as Gap], n]);
}

/** The one-line counts of a gateway's tool access (numbers only: safe in any format). */
export function accessCounts(access: NonNullable<GatewayToolReport['access']>): string {
  const exposed = access.toolsExposed === null ? 'unknown' : access.toolsExposed.length;
  return `data events: ${access.events}; tools exposed: ${exposed}; tools called: ${access.toolsCalled.length}; principals: ${access.principals.length}`;
}
