import type { CloudTrailRecord } from '../record.js';
import type { Rule } from '../types.js';
import { consoleLoginOutcome, principalOf, SIGNIN, signinName, signinSubject } from './support.js';

const account = (r: CloudTrailRecord) =>
  r.recipientAccountId ?? r.userIdentity.accountId ?? 'unknown';

/**
 * A successful console sign-in after failed ones for the same user, or from the same source
 * address: the guess that worked. Failures only count; the success is the finding.
 */
export const signinAfterFailures: Rule = {
  id: 'signin-after-failures',
  title: 'Console sign-in succeeded after repeated failures',
  severity: 'high',
  mitre: { tactic: 'Credential Access', technique: 'T1110 Brute Force' },
  description:
    'A console sign-in succeeded after at least 3 failed ones for the same user, or from the same source address, within the 15 minutes before it (threshold and window configurable; failures delivered after the success are not seen by the live function, which alerts at once). Critical for the root user. A person mistyping a password three times looks the same: confirm with them.',
  runbook:
    'Ask the user whether the failures and the sign-in were theirs; if not, end the session (revoke the user’s sessions, rotate the password and keys), require MFA and review every call the session made.',
  events: { sources: [SIGNIN], names: ['ConsoleLogin'] },
  reads: ['responseElements.ConsoleLogin'],
  sequence: {
    keys: (r) => [
      `user|${signinSubject(r)}`,
      ...(r.sourceIPAddress ? [`ip|${account(r)}|${r.sourceIPAddress}`] : []),
    ],
    member: (r) => r.eventID,
    trigger: (r) => consoleLoginOutcome(r) === 'Success',
    threshold: 3,
    windowSeconds: 900,
  },
  dedup: { key: (r) => `${signinSubject(r)}|${r.sourceIPAddress ?? ''}`, windowSeconds: 3600 },
  evaluate(record) {
    const outcome = consoleLoginOutcome(record);
    if (outcome === 'Failure') {
      return { summary: 'failed console sign-in', resource: principalOf(record) };
    }
    if (outcome !== 'Success') return undefined;
    const root = record.userIdentity.type === 'Root';
    return {
      severity: root ? 'critical' : 'high',
      summary: `${signinName(record)} signed in to the console from ${record.sourceIPAddress ?? 'an unknown address'} after repeated failed sign-ins`,
      resource: root ? principalOf(record) : signinName(record),
      details: { sourceIp: record.sourceIPAddress ?? 'unknown', root },
      facts: root ? ['user=root'] : [],
    };
  },
};
