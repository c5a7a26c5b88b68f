import type { CloudTrailRecord } from '../record.js';
import type { Rule } from '../types.js';
import { consoleLoginOutcome, SIGNIN, signinName } from './support.js';

/** The account and source address of a sign-in. */
function sourceKey(record: CloudTrailRecord): string {
  const account = record.recipientAccountId ?? record.userIdentity.accountId ?? 'unknown';
  return `${account}|${record.sourceIPAddress ?? 'unknown'}`;
}

/**
 * Repeated failed console sign-ins from one source address, whichever users they name:
 * password spraying, which stays under a per-user threshold. Each record counts once.
 */
export const signinFailureBurstByIp: Rule = {
  id: 'signin-failure-burst-ip',
  title: 'Burst of failed console sign-ins from one address',
  severity: 'medium',
  mitre: { tactic: 'Credential Access', technique: 'T1110.003 Brute Force: Password Spraying' },
  description:
    'At least 10 failed console sign-ins from the same source address within 10 minutes, for any users (threshold and window configurable). High when the failure that crossed the threshold was for the root user.',
  runbook:
    'List the users the address tried; reset the password of any user it later signed in as (signin-after-failures), require MFA, and consider an aws:SourceIp deny for the address.',
  events: { sources: [SIGNIN], names: ['ConsoleLogin'] },
  reads: ['responseElements.ConsoleLogin'],
  threshold: { key: sourceKey, member: (r) => r.eventID, threshold: 10, windowSeconds: 600 },
  dedup: { key: sourceKey, windowSeconds: 3600 },
  evaluate(record) {
    if (consoleLoginOutcome(record) !== 'Failure') return undefined;
    const address = record.sourceIPAddress;
    if (address === undefined || address === '') return undefined;
    const root = record.userIdentity.type === 'Root';
    return {
      severity: root ? 'high' : 'medium',
      summary: `repeated failed console sign-ins from ${address} (last for ${signinName(record)})`,
      resource: address,
      details: { sourceIp: address, root },
      facts: root ? ['user=root'] : [],
    };
  },
};
