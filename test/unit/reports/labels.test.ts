/**
 * Principal labels in the access report: operator input that marks principals and the findings
 * on them in JSON, Markdown and HTML, never hides or re-counts them, and cannot inject markup.
 */
import { IamDataCatalog } from '../../../lib/reports/catalog.js';
import { ReportInputError } from '../../../lib/reports/errors.js';
import { AuthorizationDetailsFile } from '../../../lib/reports/iamFile.js';
import {
  MAX_LABEL_LENGTH,
  MAX_LABEL_RULES,
  globMatches,
  parseLabelRule,
  parseLabelRules,
  type LabelRule,
} from '../../../lib/reports/labels.js';
import { DirectoryActivitySource } from '../../../lib/reports/logFiles.js';
import { renderHtml } from '../../../lib/reports/render/html.js';
import { renderMarkdown } from '../../../lib/reports/render/markdown.js';
import { generateReport } from '../../../lib/reports/report.js';
import type { AccessReport } from '../../../lib/reports/reportTypes.js';

const fixtures = new URL('../../fixtures/iam/', import.meta.url).pathname;
const catalog = new IamDataCatalog();
const A = '111122223333';
const breakGlass = `arn:aws:iam::${A}:role/break-glass`;
const ciBot = `arn:aws:iam::${A}:user/ci-bot`;

function report(labels?: LabelRule[]): Promise<AccessReport> {
  return generateReport(
    {
      iam: new AuthorizationDetailsFile(`${fixtures}authorization-details.json`),
      activity: new DirectoryActivitySource(`${fixtures}trail`),
      catalog,
      now: () => new Date('2026-11-28T00:00:00Z'),
    },
    labels === undefined ? {} : { labels },
  );
}

describe('label rules', () => {
  it.each([
    ['arn:aws:iam::*:role/ci-*=ci', { pattern: 'arn:aws:iam::*:role/ci-*', label: 'ci' }],
    // IAM names may hold "=": the label is what follows the last one.
    [
      'arn:aws:iam::1:user/a=b=break-glass',
      { pattern: 'arn:aws:iam::1:user/a=b', label: 'break-glass' },
    ],
    [' arn:aws:iam::1:user/x = set-up ', { pattern: 'arn:aws:iam::1:user/x', label: 'set-up' }],
  ])('parses %j', (spec, rule) => {
    expect(parseLabelRule(spec)).toEqual(rule);
  });

  it.each([
    ['no label', 'arn:aws:iam::1:user/x'],
    ['empty label', 'arn:aws:iam::1:user/x='],
    ['empty pattern', '=ci'],
    ['too long', `arn:aws:iam::1:user/x=${'a'.repeat(MAX_LABEL_LENGTH + 1)}`],
    ['terminal escape in label', 'arn:aws:iam::1:user/x=\u001b[31mred'],
    ['line break in label', 'arn:aws:iam::1:user/x=a\nb'],
    ['Unicode line separator', 'arn:aws:iam::1:user/x=a\u2028b'],
    ['bidirectional override', 'arn:aws:iam::1:user/x=a\u202eb'],
    ['space in pattern', 'arn:aws:iam::1:user/x y=ci'],
  ])('refuses %s as a usage error', (_, spec) => {
    let thrown: unknown;
    try {
      parseLabelRule(spec);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ReportInputError);
    expect((thrown as ReportInputError).usage).toBe(true);
  });

  it('reads a list separated by lines or ";", with comments, and caps the count', () => {
    expect(
      parseLabelRules('# ours\narn:aws:iam::*:role/a=x\r\n\narn:aws:iam::*:role/b=y;c=z'),
    ).toEqual([
      { pattern: 'arn:aws:iam::*:role/a', label: 'x' },
      { pattern: 'arn:aws:iam::*:role/b', label: 'y' },
      { pattern: 'c', label: 'z' },
    ]);
    expect(parseLabelRules('')).toEqual([]);
    const many = Array.from({ length: MAX_LABEL_RULES + 1 }, (_, i) => `r${i}=x`).join(';');
    expect(() => parseLabelRules(many)).toThrow(/at most/);
  });
});

describe('glob matching', () => {
  it.each([
    ['arn:aws:iam::*:role/ci-*', 'arn:aws:iam::1:role/ci-deploy', true],
    ['arn:aws:iam::*:role/ci-*', 'arn:aws:iam::1:role/app/ci-deploy', false],
    ['arn:aws:iam::*:role/*ci-*', 'arn:aws:iam::1:role/app/ci-deploy', true],
    ['arn:aws:iam::1:user/a?c', 'arn:aws:iam::1:user/abc', true],
    ['arn:aws:iam::1:user/a?c', 'arn:aws:iam::1:user/ac', false],
    // Everything but * and ? is literal: a dot is a dot, brackets are brackets.
    ['arn:aws:iam::1:user/a.b', 'arn:aws:iam::1:user/aXb', false],
    ['arn:aws:iam::1:user/[ab]', 'arn:aws:iam::1:user/[ab]', true],
    ['arn:aws:iam::1:user/x', 'arn:aws:iam::1:user/x2', false],
    ['*', '', true],
  ])('%s against %s: %s', (pattern, text, expected) => {
    expect(globMatches(pattern, text)).toBe(expected);
  });

  it('matches a pathological pattern in bounded time', () => {
    const pattern = `${'*a'.repeat(1000)}*b`;
    const text = 'a'.repeat(2000);
    const started = Date.now();
    expect(globMatches(pattern, text)).toBe(false);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

describe('a labelled report', () => {
  let plain: AccessReport;
  let labelled: AccessReport;
  beforeAll(async () => {
    plain = await report();
    labelled = await report([
      { pattern: breakGlass, label: 'break-glass' },
      { pattern: 'arn:aws:iam::*:user/ci-?ot', label: 'ci' },
      { pattern: 'arn:aws:iam::*:user/c*', label: 'ci' },
      { pattern: 'arn:aws:iam::*:role/nobody-*', label: 'typo' },
    ]);
  });

  it('carries the labels into the JSON per principal and finding, and counts them', () => {
    const all = [...labelled.roles, ...labelled.principals];
    expect(all.find((p) => p.arn === breakGlass)?.labels).toEqual(['break-glass']);
    // Two rules give the same label once.
    expect(all.find((p) => p.arn === ciBot)?.labels).toEqual(['ci']);
    expect(all.filter((p) => p.labels !== undefined).map((p) => p.arn)).toEqual([
      breakGlass,
      ciBot,
    ]);
    const onBreakGlass = labelled.findings.filter((f) => f.resource === breakGlass);
    expect(onBreakGlass.length).toBeGreaterThan(0);
    for (const f of onBreakGlass) expect(f.labels).toEqual(['break-glass']);
    const labelledFindings = labelled.findings.filter((f) => f.labels !== undefined);
    expect(labelled.summary.labelled).toEqual({
      principals: 2,
      findings: labelledFindings.length,
      byLabel: {
        'break-glass': {
          principals: 1,
          findings: labelledFindings.filter((f) => f.labels?.includes('break-glass')).length,
        },
        ci: {
          principals: 1,
          findings: labelledFindings.filter((f) => f.labels?.includes('ci')).length,
        },
      },
      unmatchedRules: ['arn:aws:iam::*:role/nobody-*=typo'],
    });
  });

  it('hides and re-counts nothing: every total and row is the unlabelled report’s', () => {
    expect(labelled.findings.map((f) => f.id)).toEqual(plain.findings.map((f) => f.id));
    const { labelled: _, ...summary } = labelled.summary;
    expect(summary).toEqual(plain.summary);
    expect(plain.summary.labelled).toBeUndefined();
    expect(plain.findings.some((f) => 'labels' in f)).toBe(false);
  });

  it('shows a badge in Markdown and HTML, and says how many are labelled', () => {
    const md = renderMarkdown(labelled);
    expect(md).toMatch(
      /Labelled: 2 principals and \d+ findings labelled \(break-glass: 1 principal/,
    );
    expect(md).toContain('| Severity | Check | Resource | What to do | Labels |');
    expect(md).toMatch(/\| arn:aws:iam::111122223333:role/);
    expect(md).toMatch(/role/);
    expect(md).toMatch(/\\\[break-glass\\\]/);
    expect(md).toContain('Label rules that matched nothing');
    const html = renderHtml(labelled);
    expect(html).toContain('<span class="label" data-label="break-glass">break-glass</span>');
    expect(html).toContain('<span class="label" data-label="ci">ci</span>');
    expect(html).toMatch(/<p id="labelled">Labelled: 2 principals and \d+ findings labelled/);
  });

  it('renders unlabelled reports as before (no Labels column, no note)', () => {
    expect(renderMarkdown(plain)).not.toContain('Labels');
    expect(renderHtml(plain)).not.toContain('class="label"');
    expect(renderHtml(plain)).not.toContain('id="labelled"');
  });

  it('escapes a label that tries to inject markup, in HTML and Markdown', async () => {
    const attack = '<img src=x onerror=alert(1)>';
    const hostile = await report([
      { pattern: breakGlass, label: attack },
      { pattern: ciBot, label: '__proto__' },
      { pattern: ciBot, label: '](javascript:x)|`*' },
    ]);
    const html = renderHtml(hostile);
    expect(html).not.toContain('<img');
    expect(html).toContain('&#60;img src=x onerror&#61;alert(1)&#62;'.replace('&#61;', '='));
    const md = renderMarkdown(hostile);
    expect(md).not.toMatch(/(?<!\\)<img/);
    expect(md).not.toMatch(/[^\\]\]\(javascript/);
    // Table rows keep their columns: the "|" of a label is escaped.
    const headerCells = md
      .split('\n')
      .find((l) => l.startsWith('| Principal | Kind'))
      ?.split(' | ');
    const ciRow = md.split('\n').find((l) => l.startsWith(`| ${ciBot} | management |`));
    expect(ciRow?.split(/(?<!\\)\|/).length).toBe((headerCells?.length ?? 0) + 2);
    // A label named like an object's prototype is a label like any other.
    expect(hostile.summary.labelled?.byLabel['__proto__']).toEqual({
      principals: 1,
      findings: hostile.findings.filter((f) => f.resource === ciBot).length,
    });
    expect(Object.getPrototypeOf(hostile.summary.labelled?.byLabel)).toBe(Object.prototype);
  });
});
