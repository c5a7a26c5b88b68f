/**
 * The "Gateway posture" section of each gateway, in Markdown and HTML: every posture check
 * with its status, and each finding with the resources it names and what to change. Gateway
 * names, URLs and ARNs come from the gateway's configuration — text anyone allowed to update
 * the gateway wrote — and are escaped by the caller's cell and HTML escapers.
 */
import type { AccessReport, GatewayOut } from '../reportTypes.js';

type Posture = NonNullable<GatewayOut['posture']>;

/** One row per check: a failed check once per finding, a passed or skipped one once. */
function rows(posture: Posture): string[][] {
  return posture.checks.flatMap((check) => {
    const own = posture.findings.filter((f) => f.checkId === check.checkId);
    if (own.length === 0) return [[check.checkId, check.status, '', check.reason ?? '', '', '']];
    return own.map((f) => [
      check.checkId,
      'fail',
      f.severity,
      f.message,
      f.resources.join(' '),
      f.remediation,
    ]);
  });
}

const HEADER = ['Check', 'Status', 'Severity', 'Finding', 'Resources', 'Remediation'];

const title = (g: GatewayOut): string => (g.name ? `${g.name} (${g.gatewayId})` : g.gatewayId);

/** Markdown: a `## Gateway posture` heading, a subsection and a table per gateway. */
export function postureMarkdown(
  report: AccessReport,
  cell: (text: string) => string,
  table: (header: string[], rows: string[][]) => string,
): string[] {
  const assessed = report.gateways.filter((g) => g.posture !== undefined);
  if (assessed.length === 0 && report.tokenVault === undefined) return [];
  const out = [`## Gateway posture\n`];
  if (report.tokenVault !== undefined)
    out.push(
      `Token vault ${cell(report.tokenVault.arn)}: ${cell(report.tokenVault.keyType ?? 'key type unknown')}${report.tokenVault.kmsKeyArn ? ` (${cell(report.tokenVault.kmsKeyArn)})` : ''}.\n`,
    );
  for (const g of assessed) {
    out.push(`### Gateway posture: ${cell(title(g))}\n`);
    out.push(table(HEADER, rows(g.posture as Posture)));
  }
  return out;
}

/** HTML: one `<section>` per gateway, every value escaped with `esc`. */
export function postureHtml(
  report: AccessReport,
  esc: (text: string) => string,
  wrap: (text: string) => string = esc,
  link: (checkId: string) => string = () => '',
): string {
  const assessed = report.gateways.filter((g) => g.posture !== undefined);
  if (assessed.length === 0 && report.tokenVault === undefined) return '';
  const vault =
    report.tokenVault === undefined
      ? ''
      : `<p>Token vault <code>${esc(report.tokenVault.arn)}</code>: ${esc(report.tokenVault.keyType ?? 'key type unknown')}${report.tokenVault.kmsKeyArn ? ` (<code>${esc(report.tokenVault.kmsKeyArn)}</code>)` : ''}</p>`;
  const sections = assessed.map((g) => {
    const body = rows(g.posture as Posture)
      .map(
        ([
          check = '',
          status = '',
          severity = '',
          finding = '',
          resources = '',
          remediation = '',
        ]) =>
          `<tr><td>${esc(check)}</td><td class="${esc(status)}">${esc(status)}</td><td${severity ? ` class="sev-${esc(severity)}"` : ''}>${esc(severity)}</td><td>${esc(finding)}</td><td class="name">${wrap(resources)}</td><td>${esc(remediation)}${remediation ? link(check) : ''}</td></tr>`,
      )
      .join('\n');
    return `<section class="posture"><h3>Gateway posture: ${esc(title(g))}</h3>
<div class="scroll"><table><thead><tr>${HEADER.map((h) => `<th scope="col">${esc(h)}</th>`).join('')}</tr></thead><tbody>
${body}
</tbody></table></div></section>`;
  });
  return `<h2 id="sec-posture">Gateway posture</h2>\n${vault}\n${sections.join('\n')}`;
}
