import type { Rule } from '../types.js';
import { IAM, callerUserName, failed, param, principalOf, str } from './support.js';

/**
 * CreateLoginProfile / UpdateLoginProfile for another user: a console password the caller
 * knows, on an identity that is not theirs. Kept without a forced reset it is a backdoor.
 */
export const iamLoginProfileChanged: Rule = {
  id: 'iam-login-profile-changed',
  title: 'Console password set for another IAM user',
  severity: 'medium',
  mitre: { tactic: 'Persistence', technique: 'T1098 Account Manipulation' },
  description:
    'A console password (login profile) was created or reset for a user other than the caller. High when no reset is required at next sign-in: whoever set it can keep using it.',
  runbook:
    'Confirm with the user and the caller; if unexpected, delete the login profile (DeleteLoginProfile), check ConsoleLogin events for the user since, and review the caller’s other IAM writes.',
  events: { sources: [IAM], names: ['CreateLoginProfile', 'UpdateLoginProfile'] },
  reads: ['requestParameters.passwordResetRequired', 'requestParameters.userName'],
  dedup: { key: (r) => str(param(r, 'userName')) ?? '', windowSeconds: 3600 },
  evaluate(record) {
    if (failed(record)) return undefined;
    const user = str(param(record, 'userName'));
    // A user changing their own password is routine (and usually ChangePassword anyway).
    if (user === undefined || user === callerUserName(record)) return undefined;
    const resetRequired = param(record, 'passwordResetRequired') === true;
    const verb = record.eventName === 'CreateLoginProfile' ? 'created' : 'reset';
    return {
      severity: resetRequired ? 'medium' : 'high',
      summary: `console password ${verb} for user ${user} by ${principalOf(record)}${resetRequired ? '' : ', no reset required'}`,
      resource: user,
      details: { user, passwordResetRequired: resetRequired },
      facts: [`user=${user}`, `reset=${resetRequired}`],
    };
  },
};
