import type { Rule } from '../types.js';
import { shown } from './lastState.js';
import { denied, failed, param, principalOf, str, strings } from './support.js';

const HUB_OFF = new Set(['DisableSecurityHub', 'DisableSecurityHubV2']);

/** Narrower switches: one product's findings, one saved view. */
const PARTIAL: Record<string, { what: string; severity: 'medium' | 'low'; member: string }> = {
  DisableImportFindingsForProduct: {
    what: 'findings import from a product disabled',
    severity: 'medium',
    member: 'ProductSubscriptionArn',
  },
  DeleteInsight: { what: 'insight deleted', severity: 'low', member: 'InsightArn' },
};

/**
 * Security Hub switched off (the CSPM API or the v2 one), its standards disabled, a product
 * integration's findings no longer imported (GuardDuty's, say), or an insight deleted.
 *
 * CloudTrail records Security Hub's request body with the API's own member names, which are
 * PascalCase (`StandardsSubscriptionArns`), unlike GuardDuty or KMS: see the CloudTrail entries
 * in the Security Hub user guide (awsdocs/aws-security-hub-user-guide,
 * doc_source/securityhub-ct.md: `"requestParameters": {"Filters": {}, "ResultField": …,
 * "Name": …}`) and Panther's tests built on them.
 */
export const securityHubDisabled: Rule = {
  id: 'securityhub-disabled',
  title: 'Security Hub disabled',
  severity: 'high',
  mitre: { tactic: 'Defense Evasion', technique: 'T1562.001 Disable or Modify Tools' },
  description:
    'DisableSecurityHub or DisableSecurityHubV2 (high), BatchDisableStandards or DisableImportFindingsForProduct (medium), DeleteInsight (low): findings from GuardDuty, Config and IAM Access Analyzer stop being aggregated, checked or shown. A refused attempt is one level lower.',
  runbook:
    'Re-enable Security Hub and its standards (EnableSecurityHub or EnableSecurityHubV2, BatchEnableStandards); ask the caller why; review findings raised while it was off in each source service.',
  events: {
    sources: ['securityhub.amazonaws.com'],
    names: [...HUB_OFF, 'BatchDisableStandards', ...Object.keys(PARTIAL)],
  },
  reads: [
    'requestParameters.InsightArn',
    'requestParameters.ProductSubscriptionArn',
    'requestParameters.StandardsSubscriptionArns',
  ],
  dedup: { key: (r) => `${r.eventName}${failed(r) ? '|attempt' : ''}`, windowSeconds: 3600 },
  evaluate(record) {
    const attempt = denied(record);
    if (failed(record) && !attempt) return undefined;
    const partial = PARTIAL[record.eventName];
    if (partial !== undefined) {
      const target = str(param(record, partial.member));
      return {
        severity: attempt ? 'low' : partial.severity,
        summary: `${attempt ? 'refused attempt: ' : ''}Security Hub ${partial.what}${target === undefined ? '' : ` (${shown(target)})`} by ${principalOf(record)}`,
        resource: target ?? `securityhub:${record.awsRegion ?? ''}`,
        details: { attempt },
      };
    }
    const hub = HUB_OFF.has(record.eventName);
    const standards = strings(param(record, 'StandardsSubscriptionArns'));
    const severity = hub ? (attempt ? 'medium' : 'high') : attempt ? 'low' : 'medium';
    return {
      severity,
      summary: `${attempt ? 'refused attempt: ' : ''}${hub ? 'Security Hub disabled' : `${standards.length} Security Hub standards disabled`} by ${principalOf(record)}`,
      resource: hub ? `securityhub:${record.awsRegion ?? ''}` : standards[0],
      details: { attempt },
    };
  },
};
