import { cell, table, tableChunks } from '../../reports/render/markdown.js';
import { joined, textOf, type Piece } from '../../reports/render/reportLists.js';
import type { GatewayToolReport, ToolReport } from '../report.js';
import {
  accessCounts,
  gapRows,
  principalRowCount,
  principalRows,
  PRINCIPAL_HEADER,
  TOOL_HEADER,
  toolRows,
} from './rows.js';

const list = (items: readonly string[] | null): string =>
  items === null
    ? '_unknown (no tool list: pass --targets)_'
    : items.length === 0
      ? '_none_'
      : items.map(cell).join(', ');

/** A code fence longer than any backtick run in `text`. */
function fenced(text: string, lang: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}${lang}\n${text}${text.endsWith('\n') ? '' : '\n'}${fence}\n`;
}

/** One gateway's section, streamed: the principals table is written row by row. */
function* gatewaySection(g: GatewayToolReport): Generator<string> {
  const out: Piece[] = [
    `## Tool access — gateway ${cell(g.gatewayId)}\n`,
    `\`${g.gatewayArn.replace(/`/g, '')}\`\n`,
  ];
  if (!g.dataEvents || g.access === undefined) {
    out.push(
      '**No InvokeGateway data event for this gateway**: data events are not enabled for it (nothing is known about its tool use).\n',
    );
    yield* joined(out, '\n');
    return;
  }
  const a = g.access;
  out.push(`- ${accessCounts(a)}\n`);
  const gaps = gapRows(g);
  if (gaps.length > 0)
    out.push(
      '### Data events not attributed (counted, not guessed)\n',
      table(['reason', 'events'], gaps),
    );
  out.push('### Tools\n', table(TOOL_HEADER, toolRows(g)));
  out.push(
    '### Principals\n',
    tableChunks(PRINCIPAL_HEADER, principalRows(g), principalRowCount(g)),
  );
  out.push(`- **Tools nobody calls:** ${list(a.toolsNobodyCalls)}`);
  out.push(`- **Tools called only with errors:** ${list(a.toolsCalledOnlyWithErrors)}`);
  out.push(`- **Tools called but not exposed:** ${list(a.toolsCalledNotExposed)}`);
  out.push(`- **Principals calling no tool:** ${list(a.principalsCallingNothing)}`);
  for (const t of a.targetsWithUnknownTools)
    out.push(`- target ${cell(t.name || t.targetId)}: tools unknown (${cell(t.reason)})`);
  out.push('\n### Refusals by the policy engine\n');
  out.push(
    table(
      ['principal', 'tool', 'refusals'],
      a.policyRefusals.map((r) => [r.principal, r.tool, r.count]),
    ),
  );
  const r = g.recommendation;
  if (r !== undefined) {
    out.push(`### Recommended Cedar policies (${r.policies.length} validated with Cedar)\n`);
    out.push(
      r.schemaFromInventory
        ? "Validated against the schema of the gateway's tool list.\n"
        : 'Validated against a schema built from the tools seen called (the tool list was not known in full).\n',
    );
    out.push(
      r.policies.length > 0
        ? fenced(r.cedar, 'cedar')
        : '_no policy to recommend: no successful tool call_\n',
    );
    for (const x of r.rejected)
      out.push(
        `- **Not offered** ${cell(x.id)} (${cell(x.group ?? x.effect)}): ${x.reasons.map(cell).join('; ')}`,
      );
    for (const h of r.highRiskNotForbidden)
      out.push(`- high-risk ${cell(h.tool)} not forbidden: ${cell(h.reason)}`);
  }
  const d = g.deployed;
  if (d !== undefined) {
    out.push(
      `\n### Deployed policy engine (mode ${cell(d.mode)})\n`,
      `**Rollout:** ${cell(d.rollout)}\n`,
    );
    out.push(
      table(
        ['policy', 'successful calls it allowed', 'never used', 'problem'],
        d.policies.map((p) => [
          p.name ?? p.policyId,
          p.observedCallsAllowed,
          p.neverUsed ? 'yes' : 'no',
          p.problem ?? '',
        ]),
      ),
    );
    out.push(
      '#### Principals allowed tools they never call\n',
      table(
        ['principal', 'tools'],
        d.allowedNeverCalled.map((a) => [a.principal, a.tools.join(', ')]),
      ),
    );
    out.push(
      `#### Deployed vs recommended: ${d.diff.deployedOnly} request(s) only deployed allows, ${d.diff.recommendedOnly} only the recommendation allows (${d.evaluated} evaluated${d.notEvaluated > 0 ? `, ${d.notEvaluated} not evaluated` : ''})\n`,
      table(
        ['principal', 'tool', 'deployed'],
        d.diff.samples.map((x) => [x.principal, x.tool, x.deployed]),
      ),
    );
  }
  yield* joined(out, '\n');
  yield '\n';
}

/** The tool report as Markdown. */
export function renderToolsMarkdown(report: ToolReport): string {
  return textOf(toolsMarkdownChunks(report));
}

/** {@link renderToolsMarkdown} streamed, for writing a large report without holding it. */
export function* toolsMarkdownChunks(report: ToolReport): Generator<string> {
  const s = report.sources;
  const head = [
    '# Tool access report\n',
    `Generated ${report.generatedAt} from ${s.files} trail file(s): ${s.recordsRead} records, ${s.invokeEvents} InvokeGateway data events${s.withoutGateway > 0 ? ` (${s.withoutGateway} without a gateway ARN)` : ''}. Tool arguments are never read.\n`,
  ];
  for (const issue of s.issues) head.push(`- skipped ${cell(issue.input)}: ${cell(issue.reason)}`);
  yield `${head.join('\n')}\n`;
  yield* joined(report.gateways.map(gatewaySection), '\n');
}
