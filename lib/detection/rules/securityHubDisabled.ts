import type { Rule } from '../types.js';
import { denied, failed, param, principalOf, strings } from './support.js';

/** Security Hub switched off or its standards disabled. */
export const securityHubDisabled: Rule = {
  id: 'securityhub-disabled',
  title: 'Security Hub disabled',
  severity: 'high',
  mitre: { tactic: 'Defense Evasion', technique: 'T1562.001 Disable or Modify Tools' },
  description:
    'DisableSecurityHub (high) or BatchDisableStandards (medium): findings from GuardDuty, Config and IAM Access Analyzer stop being aggregated and checked. A refused attempt is one level lower.',
  runbook:
    'Re-enable Security Hub and its standards (EnableSecurityHub, BatchEnableStandards); ask the caller why; review findings raised while it was off in each source service.',
  events: {
    sources: ['securityhub.amazonaws.com'],
    names: ['DisableSecurityHub', 'BatchDisableStandards'],
  },
  dedup: { key: (r) => `${r.eventName}${failed(r) ? '|attempt' : ''}`, windowSeconds: 3600 },
  evaluate(record) {
    const attempt = denied(record);
    if (failed(record) && !attempt) return undefined;
    const hub = record.eventName === 'DisableSecurityHub';
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
