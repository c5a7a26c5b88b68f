import type { PrincipalReport } from '../reportTypes.js';

/** Escapes text for HTML element content and attribute values. */
export function esc(value: string | number): string {
  return String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * Escaped text that may wrap after each `/` and `:` (an ARN breaks between its parts, never
 * inside an account id or a name).
 */
export function wrapArn(value: string): string {
  return esc(value).replace(/[/:]/g, '$&<wbr>');
}

/** The operator's labels as badges: visible, escaped (operator input), `data-label` for filters. */
export function labelBadges(labels: readonly string[] | undefined): string {
  return (labels ?? [])
    .map((l) => `<span class="label" data-label="${esc(l)}">${esc(l)}</span>`)
    .join('');
}

/** Lists longer than this are collapsed behind their count. */
export const COLLAPSE_AFTER = 12;

/** A list of codes; a long one collapsed into a `<details>` that shows its length. */
export function codeList(items: readonly string[], label: string): string {
  if (items.length === 0) return '';
  const body = items.map((i) => `<code>${wrapArn(i)}</code>`).join(', ');
  if (items.length <= COLLAPSE_AFTER) return `<p>${esc(label)}: ${body}</p>`;
  return `<details class="long"><summary>${esc(label)} (${items.length})</summary><p>${body}</p></details>`;
}

/** Anchor id of a principal's section. */
export function principalId(index: number): string {
  return `p-${index}`;
}

/**
 * Used share of granted actions as a linear bar (a log scale made 1 of 257 look like 12%),
 * or a hatched "usage unknown" when no activity source was read.
 */
export function usageBar(r: PrincipalReport): string {
  if (!r.usageKnown)
    return `<div class="bar unknown" title="no activity source: used actions unknown"></div><span class="bar-label">usage unknown</span>`;
  const used = r.usedActions.length - r.usedNotGranted.length;
  const share = r.grantedActionCount === 0 ? 0 : used / r.grantedActionCount;
  const percent = share * 100;
  const shown = percent === 0 ? '0' : percent < 0.1 ? '<0.1' : percent.toFixed(1);
  return `<div class="bar" role="img" aria-label="${used} of ${r.grantedActionCount} granted actions used"><span style="width:${percent.toFixed(2)}%"></span></div><span class="bar-label">${used} / ${r.grantedActionCount} (${shown}%)</span>`;
}

/** Which policy grants what: one row per Allow statement. */
function grantsTable(r: PrincipalReport): string {
  if (r.policyGrants.length === 0) return '<p class="muted">No Allow statement reaches it.</p>';
  const rows = r.policyGrants
    .map((g) => {
      const actions = `${g.notAction ? 'every action except ' : ''}${g.actions.map((a) => `<code>${esc(a)}</code>`).join(', ')}`;
      const resources = `${g.notResource ? 'every resource except ' : ''}${g.resources.map((a) => `<code>${wrapArn(a)}</code>`).join(', ')}`;
      return `<tr><td class="name">${wrapArn(g.policy)}${g.viaGroup ? ` <span class="muted">(group ${esc(g.viaGroup)})</span>` : ''}${g.sid ? `<br><span class="muted">${esc(g.sid)}</span>` : ''}</td><td>${actions}</td><td>${resources}</td><td>${g.conditional ? 'yes' : 'no'}</td><td class="num">${g.expandedCount}</td><td class="num">${g.usedCount === null ? 'unknown' : g.usedCount}</td></tr>`;
    })
    .join('\n');
  return `<table class="grants"><thead><tr><th>Policy</th><th>Actions</th><th>Resources</th><th>Conditional</th><th>Grants</th><th>Used</th></tr></thead><tbody>\n${rows}\n</tbody></table>`;
}

/** Status, kept actions, policy, validation and diff of one recommendation. */
function recommendationHtml(r: PrincipalReport): string {
  const rec = r.recommendation;
  const out: string[] = [];
  if (rec.status === 'unknown')
    out.push('<p class="muted">Usage unknown: no policy is recommended.</p>');
  if (rec.status === 'idle')
    out.push(
      r.recommendedPolicy === null
        ? `<p class="warn idle">Idle: no call in the window. No policy is recommended — remove the ${esc(r.type)} if it is no longer needed.</p>`
        : `<p class="warn idle">Idle: no call in the window. The policy below keeps only what the trail cannot show — remove the ${esc(r.type)} if it is no longer needed.</p>`,
    );
  if (rec.kept.length > 0)
    out.push(
      `<table class="kept"><thead><tr><th>Kept: not observable</th><th>Why the trail cannot show it</th></tr></thead><tbody>${rec.kept
        .map((k) => `<tr><td><code>${esc(k.action)}</code></td><td>${esc(k.why)}</td></tr>`)
        .join('')}</tbody></table>`,
    );
  if (rec.unobservableNotKept > 0)
    out.push(
      `<p>${rec.unobservableNotKept} data-event actions granted only through <code>*</code> or NotAction were not kept: check that the ${esc(r.type)} does not use them before applying.</p>`,
    );
  if (r.recommendedPolicy === null) return out.join('\n');
  if (rec.boundary !== undefined)
    out.push(
      `<p>The permissions boundary <code>${esc(rec.boundary)}</code> still applies on top of this policy.</p>`,
    );
  const v = rec.validation;
  if (v !== undefined)
    out.push(
      v.valid
        ? `<p class="validation pass">Valid (${esc(v.validators.join(', '))}): ${v.characters} of ${v.limit} characters.</p>`
        : `<p class="validation fail">Not valid as one policy (${esc(v.validators.join(', '))}): ${esc(v.errors.join('; '))}${rec.parts ? ` — apply the ${rec.parts.length} parts in report.json (recommendation.parts).` : ''}</p>`,
    );
  for (const w of v?.warnings ?? [])
    out.push(`<p class="validation warn">Validator finding: ${esc(w)}</p>`);
  for (const note of v?.notes ?? []) out.push(`<p class="validation muted">${esc(note)}</p>`);
  out.push(
    `<details><summary>Recommended policy${rec.carriedDenies > 0 ? ` (${rec.carriedDenies} Deny statement(s) carried over)` : ''}</summary><pre>${esc(JSON.stringify(r.recommendedPolicy, null, 2))}</pre></details>`,
  );
  const diff = rec.diff;
  if (diff !== undefined && diff.lines.length > 0)
    out.push(
      `<details class="diff"><summary>Change against the current policies (${diff.removedCount} actions removed, ${diff.narrowed.length} narrowed)</summary><pre>${diff.lines
        .map(
          (l) =>
            `<span class="${l.startsWith('+') ? 'diff-add' : l.startsWith('-') ? 'diff-del' : ''}">${esc(l)}</span>`,
        )
        .join('\n')}</pre></details>`,
    );
  return out.join('\n');
}

/** One principal's view, collapsed: what grants what, what was used, what to do. */
export function principalSection(r: PrincipalReport, index: number): string {
  const used = r.usageKnown ? `${r.usedActions.length} used` : 'usage unknown';
  const parts: string[] = [
    `<p><code>${wrapArn(r.arn)}</code> — ${esc(r.type)}, ${esc(r.kind)}, ${r.grantedActionCount} actions granted, ${used}${r.gateways.length > 0 ? `, execution role of ${esc(r.gateways.join(', '))}` : ''}${r.lastUsed ? `, last call ${esc(r.lastUsed)}` : ''}.</p>`,
    `<div>${usageBar(r)}</div>`,
    '<h4>Which policy grants what</h4>',
    grantsTable(r),
  ];
  for (const gap of r.inputGaps)
    parts.push(`<p class="warn">Input missing: ${esc(gap)} (analysis incomplete).</p>`);
  for (const d of r.conditionalDenies)
    parts.push(
      `<p>Conditional deny (${esc(d.policy)}${d.sid ? ` ${esc(d.sid)}` : ''}): ${d.notAction ? 'every action except ' : ''}${d.actions.map((a) => `<code>${esc(a)}</code>`).join(', ')}${d.conditionKeys.length > 0 ? ` unless ${d.conditionKeys.map((k) => `<code>${esc(k)}</code>`).join(', ')}` : ''}</p>`,
    );
  parts.push(codeList(r.usedActions, 'Used'));
  if (r.usageKnown) parts.push(codeList(r.unusedActions, 'Unused'));
  parts.push(codeList(r.usedNotGranted, 'Used but not granted by identity policies'));
  parts.push(codeList(r.unknownActions, 'Unknown to the IAM catalog'));
  parts.push(codeList(r.outsideBoundary, 'Outside the permissions boundary'));
  parts.push('<h4>Recommendation</h4>', recommendationHtml(r));
  return `<details class="role" id="${principalId(index)}"><summary><strong>${esc(r.name)}</strong>${labelBadges(r.labels)} <span class="muted">${esc(r.type)} · ${esc(r.kind)} · ${esc(r.recommendation.status)}</span></summary>
${parts.filter(Boolean).join('\n')}
</details>`;
}
