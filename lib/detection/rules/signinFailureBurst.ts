import type { Rule } from '../types.js';
import { consoleLoginOutcome, principalOf, SIGNIN, signinName, signinSubject } from './support.js';

/**
 * Repeated failed console sign-ins for one user (or root): password guessing. CloudTrail
 * records a failure as `responseElements.ConsoleLogin: "Failure"` with no `errorCode`, so the
 * access-denied burst never sees them. Each record counts once (by eventID): a duplicated
 * delivery does not bring a burst closer, and an out-of-order one counts in its own window.
 */
export const signinFailureBurst: Rule = {
  id: 'signin-failure-burst',
  title: 'Burst of failed console sign-ins for one user',
  severity: 'medium',
  mitre: { tactic: 'Credential Access', technique: 'T1110.001 Brute Force: Password Guessing' },
  description:
    'At least 5 failed console sign-ins for the same user within 10 minutes (threshold and window configurable). High for the root user, whose failed sign-ins are not root activity but are the attempt on it.',
  runbook:
    'Check the source addresses and user agents of the failures with the user; if not theirs, reset the password, require MFA, and watch for a successful sign-in from the same address (signin-after-failures).',
  events: { sources: [SIGNIN], names: ['ConsoleLogin'] },
  reads: ['responseElements.ConsoleLogin'],
  threshold: { key: signinSubject, member: (r) => r.eventID, threshold: 5, windowSeconds: 600 },
  dedup: { key: signinSubject, windowSeconds: 3600 },
  evaluate(record) {
    if (consoleLoginOutcome(record) !== 'Failure') return undefined;
    const root = record.userIdentity.type === 'Root';
    const who = root ? principalOf(record) : signinName(record);
    return {
      severity: root ? 'high' : 'medium',
      summary: `repeated failed console sign-ins for ${signinName(record)} (last from ${record.sourceIPAddress ?? 'an unknown address'})`,
      resource: who,
      details: { sourceIp: record.sourceIPAddress ?? 'unknown', root },
      facts: root ? ['user=root'] : [],
    };
  },
};
