import type { Rule, RuleMatch } from '../types.js';
import { findingIds, hidingUpdate } from './securityHubUpdates.js';
import { denied, failed, param, principalOf, str } from './support.js';

/** Findings one call must close for it to be a bulk suppression, not an analyst's triage. */
export const BULK_FINDINGS = 10;

/**
 * Security Hub findings closed in bulk: BatchUpdateFindings setting Workflow.Status to
 * SUPPRESSED or RESOLVED, or the severity to INFORMATIONAL, on many findings at once (up to
 * 100 a call; BatchUpdateFindingsV2 the same with OCSF StatusId and SeverityId), or the legacy
 * UpdateFindings archiving every finding a filter matches. Security Hub records its request
 * members in PascalCase (see securityHubDisabled.ts).
 */
export const securityHubFindingsSuppressed: Rule = {
  id: 'securityhub-findings-suppressed',
  title: 'Security Hub findings suppressed in bulk',
  severity: 'medium',
  mitre: { tactic: 'Defense Evasion', technique: 'T1562.001 Disable or Modify Tools' },
  description: `BatchUpdateFindings (or BatchUpdateFindingsV2) that sets Workflow.Status SUPPRESSED or RESOLVED, or Severity.Label INFORMATIONAL (or Severity.Normalized 0 without a label, which Security Hub reads as INFORMATIONAL), on ${BULK_FINDINGS} or more findings in one call, or UpdateFindings with RecordState ARCHIVED (a filter's worth of findings): alerts on stolen-credential activity can be closed before anyone reads them. Triage of a few findings is not reported; a refused attempt is low.`,
  runbook:
    'List the findings the call changed (GetFindings with the ids, or the filter) and set the ones nobody reviewed back to NEW; ask the caller why; check for automation rules (ListAutomationRules) doing the same.',
  events: {
    sources: ['securityhub.amazonaws.com'],
    names: ['BatchUpdateFindings', 'BatchUpdateFindingsV2', 'UpdateFindings'],
  },
  reads: [
    'requestParameters.FindingIdentifiers',
    'requestParameters.MetadataUids',
    'requestParameters.RecordState',
    'requestParameters.Severity',
    'requestParameters.SeverityId',
    'requestParameters.StatusId',
    'requestParameters.Workflow',
  ],
  dedup: { key: (r) => `${r.eventName}${failed(r) ? '|attempt' : ''}`, windowSeconds: 900 },
  evaluate(record): RuleMatch | undefined {
    const attempt = denied(record);
    if (failed(record) && !attempt) return undefined;
    let what: string;
    let count: number | undefined;
    if (record.eventName === 'UpdateFindings') {
      if (str(param(record, 'RecordState')) !== 'ARCHIVED') return undefined;
      what = 'findings matching a filter archived';
    } else {
      const hiding = hidingUpdate(record.requestParameters);
      count = findingIds(record).length;
      if (hiding === undefined || count < BULK_FINDINGS) return undefined;
      what =
        hiding.kind === 'closed'
          ? `${count} findings set to ${hiding.status}`
          : `${count} findings lowered to INFORMATIONAL`;
    }
    return {
      severity: attempt ? 'low' : 'medium',
      summary: `${attempt ? 'refused attempt: ' : ''}Security Hub ${what} by ${principalOf(record)}`,
      resource: `securityhub:${record.awsRegion ?? ''}`,
      details: { attempt, ...(count === undefined ? {} : { findings: count }) },
    };
  },
};
