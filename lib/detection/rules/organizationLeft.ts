import type { Rule } from '../types.js';
import { denied, failed, homeAccount, principalOf } from './support.js';

/** The account leaves its AWS Organization: SCPs, the organisation trail and delegated security services no longer apply. */
export const organizationLeft: Rule = {
  id: 'organization-left',
  title: 'Account left its AWS Organization',
  severity: 'critical',
  mitre: { tactic: 'Defense Evasion', technique: 'T1666 Modify Cloud Resource Hierarchy' },
  description:
    'LeaveOrganization: the organisation’s guardrails (SCPs), its organisation trail and delegated GuardDuty/Security Hub stop covering this account and its gateways. A refused attempt is reported at medium severity.',
  runbook:
    'Treat the caller as compromised; from the management account, invite the account back and re-apply SCPs; check what ran between leaving and rejoining from the account’s own trail.',
  events: { sources: ['organizations.amazonaws.com'], names: ['LeaveOrganization'] },
  reads: [],
  dedup: {
    key: (r) => `${homeAccount(r) ?? ''}${failed(r) ? '|attempt' : ''}`,
    windowSeconds: 3600,
  },
  evaluate(record) {
    const attempt = denied(record);
    if (failed(record) && !attempt) return undefined;
    return {
      severity: attempt ? 'medium' : 'critical',
      summary: `${attempt ? 'refused attempt: ' : ''}account ${homeAccount(record) ?? 'unknown'} left its organization, by ${principalOf(record)}`,
      resource: homeAccount(record),
      details: { attempt },
    };
  },
};
