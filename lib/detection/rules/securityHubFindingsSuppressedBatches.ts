import type { Rule, RuleMatch } from '../types.js';
import { BULK_FINDINGS } from './securityHubFindingsSuppressed.js';
import { findingIds, hidingUpdate } from './securityHubUpdates.js';
import { failed, principalOf, stableCaller } from './support.js';

/** Distinct findings one principal may close in small calls within the window. */
const SPREAD_FINDINGS = 30;
const WINDOW_SECONDS = 900;

/**
 * The same bulk suppression as securityhub-findings-suppressed, spread over calls that each stay
 * under its per-call threshold (nine findings at a time). Counts the distinct findings each
 * principal closes (SUPPRESSED, RESOLVED) or lowers to INFORMATIONAL: a retried call, a record
 * delivered twice or the same findings closed again count once. Calls of
 * {@link BULK_FINDINGS} or more are that rule's; they are not counted here, so one call is never
 * reported twice.
 */
export const securityHubFindingsSuppressedBatches: Rule = {
  id: 'securityhub-findings-suppressed-batches',
  title: 'Security Hub findings suppressed in small batches',
  severity: 'medium',
  mitre: { tactic: 'Defense Evasion', technique: 'T1562.001 Disable or Modify Tools' },
  description: `One principal (a role counted across its sessions) closed (Workflow.Status SUPPRESSED or RESOLVED) or lowered to INFORMATIONAL at least ${SPREAD_FINDINGS} distinct Security Hub findings within ${WINDOW_SECONDS / 60} minutes through BatchUpdateFindings (or V2) calls of fewer than ${BULK_FINDINGS} findings each: a bulk suppression cut into batches that evade the per-call rule. An analyst closing a few findings at a time stays well below; the same findings closed again count once.`,
  runbook:
    'List the findings the principal updated in the window (CloudTrail BatchUpdateFindings, then GetFindings with the ids) and set the ones nobody reviewed back to NEW; ask the caller why; disable the credentials if nobody owns the change.',
  events: {
    sources: ['securityhub.amazonaws.com'],
    names: ['BatchUpdateFindings', 'BatchUpdateFindingsV2'],
  },
  threshold: {
    // The role, not the session: a new session name per call must not split the count.
    key: stableCaller,
    members: (r) => findingIds(r),
    threshold: SPREAD_FINDINGS,
    windowSeconds: WINDOW_SECONDS,
  },
  reads: [
    'requestParameters.FindingIdentifiers',
    'requestParameters.MetadataUids',
    'requestParameters.Severity',
    'requestParameters.SeverityId',
    'requestParameters.StatusId',
    'requestParameters.Workflow',
  ],
  dedup: { key: stableCaller, windowSeconds: 3600 },
  evaluate(record): RuleMatch | undefined {
    if (failed(record)) return undefined;
    const hiding = hidingUpdate(record.requestParameters);
    const count = findingIds(record).length;
    if (hiding === undefined || count === 0 || count >= BULK_FINDINGS) return undefined;
    return {
      summary: `${principalOf(record)} ${hiding.kind === 'closed' ? 'closed' : 'lowered to informational'} many Security Hub findings in batches of fewer than ${BULK_FINDINGS}`,
      resource: `securityhub:${record.awsRegion ?? ''}`,
      details: { lastBatch: count },
    };
  },
};
