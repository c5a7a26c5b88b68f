import { labelledSummary } from '../labels.js';
import type { AccessReport, PrincipalReport } from '../reportTypes.js';
import { joined, listsOf, textOf, type Piece, type ReportLists } from './reportLists.js';
import { postureMarkdown } from './posture.js';

/** Escapes text for a Markdown table cell. */
export function cell(text: string | number): string {
  return String(text)
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/[\r\n]+/g, ' ')
    .replace(/([<>*_`[\]])/g, '\\$1');
}

export function table(header: string[], rows: (string | number)[][]): string {
  return textOf(tableChunks(header, rows, rows.length));
}

/** {@link table} streamed: `count` rows from `rows`. */
export function* tableChunks(
  header: string[],
  rows: Iterable<(string | number)[]>,
  count: number,
): Generator<string> {
  if (count === 0) {
    yield '_none_\n';
    return;
  }
  yield `| ${header.join(' | ')} |\n| ${header.map(() => '---').join(' | ')} |`;
  for (const r of rows) yield `\n| ${r.map(cell).join(' | ')} |`;
  yield '\n';
}

function* mapped<T, U>(items: Iterable<T>, f: (item: T) => U): Generator<U> {
  for (const item of items) yield f(item);
}

/** The operator's labels as badges (escaped: they are operator input). */
function badges(labels: readonly string[] | undefined): string {
  return (labels ?? []).map((l) => `[${l}]`).join(' ');
}

function usage(role: PrincipalReport): string | number {
  return role.usageKnown ? role.usedActions.length : 'unknown';
}

/** The recommendation of one principal: status, kept actions, policy, validation and diff. */
function recommendationMarkdown(r: PrincipalReport): string[] {
  const rec = r.recommendation;
  const out: string[] = [];
  if (rec.status === 'idle' && r.recommendedPolicy === null)
    out.push(
      `Idle: no call in the window. No policy is recommended — remove the ${r.type} if it is no longer needed.\n`,
    );
  for (const k of rec.kept) out.push(`Kept (not observable): \`${k.action}\` — ${cell(k.why)}\n`);
  if (rec.unobservableNotKept > 0)
    out.push(
      `${rec.unobservableNotKept} data-event actions granted only through \`*\` or NotAction were not kept: check that the ${r.type} does not use them before applying.\n`,
    );
  if (r.recommendedPolicy === null) return out;
  if (rec.boundary !== undefined)
    out.push(`The permissions boundary \`${rec.boundary}\` still applies on top of this policy.\n`);
  out.push(
    `Recommended policy${rec.carriedDenies > 0 ? ` (${rec.carriedDenies} Deny statement(s) carried over unchanged)` : ''}:\n\n\`\`\`json\n${JSON.stringify(r.recommendedPolicy, null, 2)}\n\`\`\`\n`,
  );
  const v = rec.validation;
  if (v !== undefined)
    out.push(
      v.valid
        ? `Validated (${v.validators.join(', ')}): ${v.characters} of ${v.limit} characters.\n`
        : `**Not valid as one policy** (${v.validators.join(', ')}): ${v.errors.map(cell).join('; ')}${rec.parts ? ` — apply the ${rec.parts.length} parts in report.json (recommendation.parts).` : ''}\n`,
    );
  // Findings of Access Analyzer that do not invalidate the policy, and validators that did not run.
  for (const w of v?.warnings ?? [])
    out.push(`Validator finding: ${w.replace(/[<>`]/g, '\\$&')}\n`);
  for (const n of v?.notes ?? []) out.push(`Note: ${n}.\n`);
  if (rec.diff !== undefined && rec.diff.lines.length > 0)
    out.push(
      `Change against the current policies (${rec.diff.removedCount} actions removed):\n\n\`\`\`diff\n${rec.diff.lines.slice(0, 60).join('\n')}${rec.diff.lines.length > 60 ? `\n… ${rec.diff.lines.length - 60} more lines in report.json` : ''}\n\`\`\`\n`,
    );
  return out;
}

/** The report as Markdown: summary, findings, checks, roles, then per-role recommendations. */
export function renderMarkdown(report: AccessReport): string {
  return textOf(markdownChunks(report, listsOf(report)));
}

/** {@link renderMarkdown} as a stream of text, its principals and findings from `lists`. */
export function markdownChunks(report: AccessReport, lists: ReportLists): Generator<string> {
  return joined(markdownPieces(report, lists), '\n');
}

function* markdownPieces(report: AccessReport, lists: ReportLists): Generator<Piece> {
  const s = report.summary;
  yield `# gatewarden access report\n`;
  yield `Generated ${report.generatedAt} · window ${report.window.days} days (${report.window.from.slice(0, 10)} → ${report.window.to.slice(0, 10)}) · accounts ${report.accountIds.join(', ') || 'unknown'}${report.region ? ` · region ${report.region}` : ''}\n`;
  yield `Sources: IAM ${report.sources.iam}; inventory ${report.sources.inventory}; activity ${report.sources.activity ? `${report.sources.activity.kind} (${report.sources.activity.description})` : 'none — used/unused unknown'}; ${report.sources.eventsRead} events read, ${report.sources.eventsAttributed} attributed, ${report.sources.eventsDenied} denied${report.sources.eventsOutOfScope ? `, ${report.sources.eventsOutOfScope} of callers outside the reported principals left out` : ''}.\n`;
  const src = report.sources;
  if (src.usage === 'partial')
    yield `**Usage partial**: ${cell(src.activityUnknownReason ?? '')} — nothing is reported as unused. Days of the window without any record: ${(src.usageMissingDays ?? []).map((d) => (d.from === d.to ? d.from : `${d.from} → ${d.to}`)).join(', ')}.\n`;
  else if (src.activityUnknownReason !== undefined)
    yield `**Usage unknown**: ${cell(src.activityUnknownReason)} — nothing is reported as unused.\n`;
  if (src.skippedServiceLinkedRoles.length > 0)
    yield `Skipped ${src.skippedServiceLinkedRoles.length} AWS service-linked role(s) (the account cannot change them).\n`;
  if (src.missingBoundaries.length + src.missingGroups.length > 0)
    yield `Missing from the IAM input: ${[...src.missingBoundaries.map((b) => `boundary ${b}`), ...src.missingGroups.map((g) => `group ${g}`)].map(cell).join(', ')}.\n`;
  yield `## Summary\n`;
  yield table(
    ['Roles', 'Other principals', 'Gateways', 'Critical', 'High', 'Medium', 'Low', 'Info'],
    [
      [
        s.roles,
        s.principals,
        s.gateways,
        s.findings.critical,
        s.findings.high,
        s.findings.medium,
        s.findings.low,
        s.findings.info,
      ],
    ],
  );
  const labelled = labelledSummary(report);
  if (labelled !== undefined)
    yield `Labelled: ${cell(labelled)}; they are counted in every total above.${s.labelled?.unmatchedRules.length ? ` Label rules that matched nothing: ${s.labelled.unmatchedRules.map(cell).join(', ')}.` : ''}\n`;
  // A Labels column only when labels were given: reports without them keep their shape.
  const withLabels = s.labelled !== undefined;
  yield `## Findings\n`;
  yield tableChunks(
    ['Severity', 'Check', 'Resource', 'What to do', ...(withLabels ? ['Labels'] : [])],
    mapped(lists.findings(), (f) => [
      f.severity,
      f.checkId,
      f.resource,
      f.message,
      ...(withLabels ? [badges(f.labels)] : []),
    ]),
    lists.findingCount,
  );
  yield `## Best-practice checks\n`;
  yield table(
    ['Check', 'Status', 'Note'],
    report.checks.map((c) => [c.title, c.status, c.reason ?? '']),
  );
  if (report.gateways.length > 0) {
    yield `## Gateways\n`;
    yield table(
      ['Gateway', 'Authorizer', 'Execution role', 'Targets'],
      report.gateways.map((g) => [
        g.gatewayId,
        g.authorizerType ?? '',
        g.roleArn ?? '',
        g.targets
          .map((t) => `${t.targetId} (${t.credentialProviderTypes.join(',') || 'none'})`)
          .join(', '),
      ]),
    );
  }
  yield* postureMarkdown(report, cell, table);
  if (report.managers.length > 0) {
    yield `## Gateway managers\n`;
    yield table(
      ['Principal', 'Identified by', 'Management calls seen', ...(withLabels ? ['Labels'] : [])],
      report.managers.map((m) => [
        m.arn,
        m.sources.join(', '),
        m.managementActionsUsed.join(', '),
        ...(withLabels ? [badges(m.labels)] : []),
      ]),
    );
  }
  yield `## Roles and principals\n`;
  yield tableChunks(
    [
      'Principal',
      'Kind',
      'Granted',
      'Used',
      'Unused',
      'Wildcards',
      'High-risk',
      'Last used',
      ...(withLabels ? ['Labels'] : []),
    ],
    mapped(lists.principals(), (r) => [
      r.arn,
      r.kind,
      r.grantedActionCount,
      usage(r),
      r.usageKnown ? r.unusedActionCount : 'unknown',
      r.wildcardGrants.length,
      r.highRiskGrants.length,
      r.lastUsed ?? '',
      ...(withLabels ? [badges(r.labels)] : []),
    ]),
    lists.principalCount,
  );
  yield* detailPieces(lists);
  if (report.sources.unmappedEvents.length > 0) {
    yield `## CloudTrail events not mapped to an IAM action\n`;
    yield table(
      ['Event source', 'Event name', 'Count'],
      report.sources.unmappedEvents.map((u) => [u.eventSource, u.eventName, u.count]),
    );
  }
  if (report.sources.issues.length > 0) {
    yield `## Inputs skipped\n`;
    yield table(
      ['Input', 'Reason'],
      report.sources.issues.map((i) => [i.input, i.reason]),
    );
  }
}

/**
 * The section of each principal worth reading (not "other", or with wildcard or high-risk
 * grants), streamed: its pieces, each joined to the next like the rest of the document.
 */
function* detailPieces(lists: ReportLists): Generator<string> {
  for (const r of lists.principals()) {
    if (r.kind === 'other' && r.wildcardGrants.length === 0 && r.highRiskGrants.length === 0)
      continue;
    const out: string[] = [];
    out.push(
      `### ${cell(r.name)} (${r.type}, ${r.kind})${r.labels?.length ? ` ${cell(badges(r.labels))}` : ''}\n`,
    );
    out.push(
      `\`${r.arn}\` — ${r.grantedActionCount} actions granted, ${usage(r)} used${r.gateways.length > 0 ? `, execution role of ${r.gateways.join(', ')}` : ''}.\n`,
    );
    if (r.usedActions.length > 0)
      out.push(`Used: ${r.usedActions.map((a) => `\`${a}\``).join(', ')}\n`);
    if (r.usageKnown && r.unusedActions.length > 0) {
      const shown = r.unusedActions.slice(0, 40);
      out.push(
        `Unused: ${shown.map((a) => `\`${a}\``).join(', ')}${r.unusedActions.length > shown.length ? ` … and ${r.unusedActions.length - shown.length} more (see report.json)` : ''}\n`,
      );
    }
    if (r.unknownActions.length > 0)
      out.push(
        `Unknown to the IAM catalog: ${r.unknownActions.map((a) => `\`${a}\``).join(', ')}\n`,
      );
    for (const gap of r.inputGaps) out.push(`Input missing: ${cell(gap)} (analysis incomplete)\n`);
    for (const d of r.conditionalDenies)
      out.push(
        `Conditional deny (${cell(d.policy)}${d.sid ? ` ${cell(d.sid)}` : ''}): ${d.notAction ? 'every action except ' : ''}${d.actions.map((a) => `\`${a}\``).join(', ')}${d.conditionKeys.length > 0 ? ` unless ${d.conditionKeys.map((k) => `\`${k}\``).join(', ')}` : ''}\n`,
      );
    out.push(...recommendationMarkdown(r));
    yield* out;
  }
}
