import type { Rule, RuleMatch } from '../types.js';
import { denied, failed, param, principalOf, str } from './support.js';

/** Amazon Macie switched off or paused: sensitive data (credentials in S3) is no longer found. */
export const macieDisabled: Rule = {
  id: 'macie-disabled',
  title: 'Amazon Macie disabled or paused',
  severity: 'medium',
  mitre: { tactic: 'Defense Evasion', technique: 'T1562.001 Disable or Modify Tools' },
  description:
    'DisableMacie (its findings and configuration are deleted) or UpdateMacieSession with status PAUSED: credentials and secrets copied into S3 are no longer discovered. A refused attempt is low.',
  runbook:
    'Re-enable Macie (EnableMacie, or UpdateMacieSession status ENABLED) and its discovery jobs; ask the caller why; review S3 writes made while it was off.',
  events: { sources: ['macie2.amazonaws.com'], names: ['DisableMacie', 'UpdateMacieSession'] },
  reads: ['requestParameters.status'],
  dedup: { key: (r) => `${r.eventName}${failed(r) ? '|attempt' : ''}`, windowSeconds: 3600 },
  evaluate(record): RuleMatch | undefined {
    const attempt = denied(record);
    if (failed(record) && !attempt) return undefined;
    if (record.eventName === 'UpdateMacieSession' && str(param(record, 'status')) !== 'PAUSED') {
      return undefined;
    }
    const what = record.eventName === 'DisableMacie' ? 'disabled' : 'paused';
    return {
      severity: attempt ? 'low' : 'medium',
      summary: `${attempt ? 'refused attempt: ' : ''}Macie ${what} by ${principalOf(record)}`,
      resource: `macie:${record.awsRegion ?? ''}`,
      details: { attempt },
    };
  },
};
