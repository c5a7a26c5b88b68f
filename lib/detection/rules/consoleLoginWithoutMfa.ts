import { FACTS, factBefore, type CreatedFact } from '../learnedFacts.js';
import type { Rule } from '../types.js';
import { callerUserName, obj, principalOf, response, str, timeOf } from './support.js';

/**
 * A user created, or given a password, this recently that signs in without MFA is a likely
 * backdoor account.
 */
const RECENT_USER_MS = 7 * 86_400_000;

/** Successful console sign-in of an IAM user without MFA. */
export const consoleLoginWithoutMfa: Rule = {
  id: 'console-login-without-mfa',
  title: 'Console sign-in without MFA',
  severity: 'medium',
  mitre: { tactic: 'Initial Access', technique: 'T1078.004 Valid Accounts: Cloud Accounts' },
  description:
    'An IAM user signed in to the console with a password alone. High when the user was created, given a password (CreateLoginProfile) or had it reset by someone else (UpdateLoginProfile) in the last 7 days (as far as the stream shows): a fresh user, or a dormant one woken with a password, signing in without MFA is how backdoor accounts look. SAML and Identity Center sign-ins are out of scope (MFA happens at the IdP); the root user is root-activity’s.',
  runbook:
    'Confirm the sign-in with the user (time, source address); require MFA for the user (an IAM policy denying all without aws:MultiFactorAuthPresent); if unknown, delete the login profile and review the session’s calls.',
  events: { sources: ['signin.amazonaws.com'], names: ['ConsoleLogin'] },
  reads: [
    'additionalEventData.MFAUsed',
    'additionalEventData.SamlProviderArn',
    'responseElements.ConsoleLogin',
  ],
  dedup: { key: (r) => principalOf(r), windowSeconds: 86_400 },
  lastState: true,
  evaluate(record, context) {
    if (record.userIdentity.type !== 'IAMUser') return undefined;
    if (str(response(record, 'ConsoleLogin')) !== 'Success') return undefined;
    const extra = obj(record.additionalEventData);
    if (str(extra?.MFAUsed) !== 'No' || extra?.SamlProviderArn !== undefined) return undefined;
    const user = callerUserName(record) ?? principalOf(record);
    // Learned from CreateUser, CreateLoginProfile and the like, kept in the state store
    // (learnedFacts.ts).
    const created = factBefore<CreatedFact>(record, context, FACTS.created, `user:${user}`)?.atMs;
    const recent = typeof created === 'number' && timeOf(record) - created <= RECENT_USER_MS;
    return {
      severity: recent ? 'high' : 'medium',
      summary: `${principalOf(record)} signed in to the console without MFA${recent ? ', days after the user was created or given a password' : ''}`,
      resource: user,
      details: { user, recentlyCreatedUser: recent },
      facts: recent ? ['user=recently-created'] : [],
    };
  },
};
