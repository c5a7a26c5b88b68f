import { compareSeverity, type Severity } from '../detection/types.js';
import type { AccessReport, ReportFinding, WildcardGrant } from './reportTypes.js';

/** What changed since the previous report. */
export interface ReportDiff {
  previousGeneratedAt: string | null;
  newFindings: ReportFinding[];
  resolvedFindings: ReportFinding[];
  /** Per principal, unused actions that were not unused (or not granted) last time. */
  newUnusedGrants: { arn: string; actions: string[] }[];
  /** Per principal, unused actions that are now used or no longer granted. */
  resolvedUnusedGrants: { arn: string; actions: string[] }[];
  newWildcards: { arn: string; grant: WildcardGrant }[];
  resolvedWildcards: { arn: string; grant: WildcardGrant }[];
  newPrincipals: string[];
  removedPrincipals: string[];
}

const wildcardKey = (w: WildcardGrant) =>
  JSON.stringify([w.policy, w.sid ?? '', w.notAction, w.actions, w.notResource, w.resources]);

/**
 * Compares two reports. With no previous report everything counts as new, so the first
 * weekly alert lists the current state.
 */
export function diffReports(previous: AccessReport | undefined, current: AccessReport): ReportDiff {
  const prevFindings = new Map((previous?.findings ?? []).map((f) => [f.id, f]));
  const currFindings = new Map(current.findings.map((f) => [f.id, f]));
  const prevPrincipals = new Map(
    [...(previous?.roles ?? []), ...(previous?.principals ?? [])].map((r) => [r.arn, r]),
  );
  const currPrincipals = new Map([...current.roles, ...current.principals].map((r) => [r.arn, r]));

  const diff: ReportDiff = {
    previousGeneratedAt: previous?.generatedAt ?? null,
    newFindings: current.findings.filter((f) => !prevFindings.has(f.id)),
    resolvedFindings: (previous?.findings ?? []).filter((f) => !currFindings.has(f.id)),
    newUnusedGrants: [],
    resolvedUnusedGrants: [],
    newWildcards: [],
    resolvedWildcards: [],
    newPrincipals: [...currPrincipals.keys()].filter((arn) => !prevPrincipals.has(arn)).sort(),
    removedPrincipals: [...prevPrincipals.keys()].filter((arn) => !currPrincipals.has(arn)).sort(),
  };
  for (const [arn, curr] of currPrincipals) {
    const prev = prevPrincipals.get(arn);
    const prevUnused = new Set(prev?.unusedActions ?? []);
    const currUnused = new Set(curr.unusedActions);
    const added = curr.unusedActions.filter((a) => !prevUnused.has(a));
    if (curr.usageKnown && added.length > 0) diff.newUnusedGrants.push({ arn, actions: added });
    const gone = (prev?.unusedActions ?? []).filter((a) => !currUnused.has(a));
    if (gone.length > 0 && curr.usageKnown) diff.resolvedUnusedGrants.push({ arn, actions: gone });
    const prevWild = new Set((prev?.wildcardGrants ?? []).map(wildcardKey));
    const currWild = new Set(curr.wildcardGrants.map(wildcardKey));
    for (const grant of curr.wildcardGrants)
      if (!prevWild.has(wildcardKey(grant))) diff.newWildcards.push({ arn, grant });
    for (const grant of prev?.wildcardGrants ?? [])
      if (!currWild.has(wildcardKey(grant))) diff.resolvedWildcards.push({ arn, grant });
  }
  for (const [arn, prev] of prevPrincipals) {
    if (currPrincipals.has(arn)) continue;
    for (const grant of prev.wildcardGrants) diff.resolvedWildcards.push({ arn, grant });
  }
  return diff;
}

/** The most severe of the new findings, or `info` when nothing got worse. */
export function diffSeverity(diff: ReportDiff): Severity {
  return diff.newFindings.reduce<Severity>(
    (max, f) => (compareSeverity(f.severity, max) > 0 ? f.severity : max),
    'info',
  );
}
