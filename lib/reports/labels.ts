/**
 * Principal labels: the operator's words for principals the report should mark, not hide
 * ("break-glass", "set-up", "ci"). A rule is `<principal ARN or glob>=<label>`; `*` matches any
 * run of characters and `?` one. Labelled principals and findings are still analysed and
 * counted: the label only says, in every format, that someone knows about them.
 */
import { ReportInputError } from './errors.js';
import type { AccessReport, ManagerOut, ReportFinding } from './reportTypes.js';

/** One `pattern=label` rule. */
export interface LabelRule {
  pattern: string;
  label: string;
}

/** Longest label accepted: a badge, not a note. */
export const MAX_LABEL_LENGTH = 40;
/** Longest pattern accepted (an IAM ARN is at most 2,048 characters). */
export const MAX_PATTERN_LENGTH = 2048;
/** Most rules one report takes. */
export const MAX_LABEL_RULES = 200;

// Control characters (terminal escapes, line breaks, Unicode line separators, bidirectional
// overrides that reorder what a reader sees) and the two separators of the rule syntax.
const FORBIDDEN_IN_LABEL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069=;]/;
const FORBIDDEN_IN_PATTERN = /[\u0000-\u0020\u007f-\u009f;]/;

function invalid(message: string): ReportInputError {
  return new ReportInputError(message, { usage: true });
}

/**
 * Parses one `<pattern>=<label>` rule. The label follows the last `=` (IAM names may hold `=`,
 * labels may not). Throws a usage error naming what is wrong, never echoing the whole input.
 */
export function parseLabelRule(spec: string): LabelRule {
  const at = spec.lastIndexOf('=');
  if (at <= 0 || at === spec.length - 1)
    throw invalid('a label is <principal ARN or glob>=<label>, e.g. arn:aws:iam::*:role/ci-*=ci');
  const pattern = spec.slice(0, at).trim();
  const label = spec.slice(at + 1).trim();
  if (pattern.length === 0 || label.length === 0)
    throw invalid('a label is <principal ARN or glob>=<label>, e.g. arn:aws:iam::*:role/ci-*=ci');
  if (label.length > MAX_LABEL_LENGTH)
    throw invalid(`a label is at most ${MAX_LABEL_LENGTH} characters (got ${label.length})`);
  if (FORBIDDEN_IN_LABEL.test(label))
    throw invalid('a label may not contain control or direction characters, "=" or ";"');
  if (pattern.length > MAX_PATTERN_LENGTH)
    throw invalid(`a label's pattern is at most ${MAX_PATTERN_LENGTH} characters`);
  if (FORBIDDEN_IN_PATTERN.test(pattern))
    throw invalid('a label\'s pattern may not contain spaces, control characters or ";"');
  return { pattern, label };
}

/**
 * Parses a list of rules: one per line or separated by `;` (neither can appear in an ARN),
 * blank lines and `#` comments ignored. The format of a label file and of the scheduled
 * report's `GATEWARDEN_REPORT_LABELS`.
 */
export function parseLabelRules(text: string): LabelRule[] {
  const rules = text
    .split(/[\n;]/)
    .map((line) => line.replace(/\r$/, '').trim())
    .filter((line) => line.length > 0 && !line.startsWith('#'))
    .map(parseLabelRule);
  return checkCount(rules);
}

/** Throws when there are more rules than a report takes. */
export function checkCount(rules: LabelRule[]): LabelRule[] {
  if (rules.length > MAX_LABEL_RULES)
    throw invalid(`at most ${MAX_LABEL_RULES} label rules (got ${rules.length})`);
  return rules;
}

/**
 * Whether `text` matches the glob `pattern` (`*` any run, `?` one character). Iterative, with
 * one backtrack point: O(pattern × text) at worst, whatever the pattern (a regular expression
 * built from `*a*a*a…` would backtrack exponentially).
 */
export function globMatches(pattern: string, text: string): boolean {
  let p = 0;
  let t = 0;
  let star = -1;
  let resume = 0;
  while (t < text.length) {
    if (p < pattern.length && (pattern[p] === '?' || pattern[p] === text[t])) {
      p++;
      t++;
    } else if (p < pattern.length && pattern[p] === '*') {
      star = p++;
      resume = t;
    } else if (star >= 0) {
      p = star + 1;
      t = ++resume;
    } else return false;
  }
  while (p < pattern.length && pattern[p] === '*') p++;
  return p === pattern.length;
}

/** Matches ARNs against rules: the labels of every rule that matches, in rule order, once each. */
export class LabelMatcher {
  /** Rules that matched at least one principal or finding (a typo matches nothing). */
  readonly used = new Set<LabelRule>();

  constructor(readonly rules: readonly LabelRule[]) {}

  labelsOf(arn: string): string[] {
    const labels: string[] = [];
    for (const rule of this.rules) {
      if (!globMatches(rule.pattern, arn)) continue;
      this.used.add(rule);
      if (!labels.includes(rule.label)) labels.push(rule.label);
    }
    return labels;
  }
}

/**
 * Labels principals, managers and findings one at a time and counts them: principals in the
 * report's order, then findings in theirs (the order `byLabel` lists labels in).
 */
export class LabelCounter {
  private readonly matcher: LabelMatcher;
  private readonly byLabel = new Map<string, { principals: number; findings: number }>();
  private principals = 0;
  private findings = 0;

  constructor(private readonly rules: readonly LabelRule[]) {
    this.matcher = new LabelMatcher(rules);
  }

  get active(): boolean {
    return this.rules.length > 0;
  }

  private tally(labels: string[], what: 'principals' | 'findings'): void {
    for (const label of labels) {
      const counts = this.byLabel.get(label) ?? { principals: 0, findings: 0 };
      counts[what] += 1;
      this.byLabel.set(label, counts);
    }
  }

  /** Labels a principal and counts it. */
  principal(p: { arn: string; labels?: string[] }): void {
    if (!this.active) return;
    const labels = this.matcher.labelsOf(p.arn);
    if (labels.length === 0) return;
    p.labels = labels;
    this.principals += 1;
    this.tally(labels, 'principals');
  }

  /** Labels a manager (managers are not counted). */
  manager(m: ManagerOut): void {
    if (!this.active) return;
    const labels = this.matcher.labelsOf(m.arn);
    if (labels.length > 0) m.labels = labels;
  }

  /** Labels a finding without counting it (see {@link countFinding}). */
  finding(f: ReportFinding): void {
    if (!this.active) return;
    const labels = this.matcher.labelsOf(f.resource);
    if (labels.length > 0) f.labels = labels;
  }

  /** Counts a finding on `resource`, in the findings' order. */
  countFinding(resource: string): void {
    if (!this.active) return;
    const labels = this.matcher.labelsOf(resource);
    if (labels.length === 0) return;
    this.findings += 1;
    this.tally(labels, 'findings');
  }

  /** `summary.labelled`, or undefined without rules. */
  summary(): AccessReport['summary']['labelled'] {
    if (!this.active) return undefined;
    return {
      principals: this.principals,
      findings: this.findings,
      byLabel: Object.fromEntries(this.byLabel),
      unmatchedRules: this.rules
        .filter((r) => !this.matcher.used.has(r))
        .map((r) => `${r.pattern}=${r.label}`),
    };
  }
}

/**
 * Sets `labels` on every principal, manager and finding whose ARN (a finding's resource) a rule
 * matches, and `summary.labelled` with the counts. Nothing is removed or re-counted: labelled
 * rows stay in every total.
 */
export function applyLabels(report: AccessReport, rules: readonly LabelRule[]): void {
  if (rules.length === 0) return;
  const counter = new LabelCounter(rules);
  for (const p of [...report.roles, ...report.principals]) counter.principal(p);
  for (const m of report.managers) counter.manager(m);
  for (const f of report.findings) {
    counter.finding(f);
    counter.countFinding(f.resource);
  }
  report.summary.labelled = counter.summary();
}

/** "2 principals and 3 findings labelled (set-up: 1 principal, 2 findings; ci: …)": raw text. */
export function labelledSummary(report: AccessReport): string | undefined {
  const l = report.summary.labelled;
  if (l === undefined) return undefined;
  const n = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;
  const parts = Object.entries(l.byLabel).map(
    ([label, c]) => `${label}: ${n(c.principals, 'principal')}, ${n(c.findings, 'finding')}`,
  );
  return `${n(l.principals, 'principal')} and ${n(l.findings, 'finding')} labelled${parts.length > 0 ? ` (${parts.join('; ')})` : ''}`;
}
