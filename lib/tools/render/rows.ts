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

/** One row per tool exposed or called: totals over principals. */
export function toolRows(g: GatewayToolReport): (string | number)[][] {
  const a = g.access;
  if (a === undefined) return [];
  const names = [...new Set([...(a.toolsExposed ?? []), ...a.toolsCalled])].sort();
  const exposed = new Set(a.toolsExposed ?? []);
  return names.map((tool) => {
    let calls = 0,
      ok = 0,
      refused = 0,
      denied = 0,
      failed = 0;
    const who = new Set<string>();
    for (const p of a.principals)
      for (const t of p.tools)
        if (t.tool === tool) {
          calls += t.calls;
          ok += t.ok;
          refused += t.refused;
          denied += t.policyDenied;
          failed += t.failed;
          who.add(p.principal);
        }
    return [
      tool,
      a.toolsExposed === null ? '?' : exposed.has(tool) ? 'yes' : 'no',
      calls,
      ok,
      refused,
      denied,
      failed,
      who.size,
    ];
  });
}

export const PRINCIPAL_HEADER = ['principal', 'claims', 'tools called (ok/calls)', 'last seen'];

export function principalRows(g: GatewayToolReport): (string | number)[][] {
  return (g.access?.principals ?? []).map((p) => [
    p.principal,
    Object.entries(p.claims)
      .map(([k, v]) => `${k}=${v}`)
      .join(', '),
    p.tools.map((t) => `${t.tool} (${t.ok}/${t.calls})`).join(', ') || '—',
    p.tools.reduce((m, t) => (t.lastSeen > m ? t.lastSeen : m), ''),
  ]);
}

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
