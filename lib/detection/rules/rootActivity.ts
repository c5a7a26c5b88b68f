import type { Rule } from '../types.js';
import { failedAnyway, obj, SIGNIN } from './support.js';

/**
 * `invokedBy` naming an AWS service host means that service made the call for root (e.g. a
 * service-linked setup); console sessions carry `signin.amazonaws.com` there, and people's own
 * calls anything else (a browser, `AWS Internal`): those are root's own.
 */
function byAwsService(invokedBy: string | undefined): boolean {
  return invokedBy !== undefined && invokedBy !== SIGNIN && /\.amazonaws\.com$/.test(invokedBy);
}

/**
 * Root user activity that changes something, and root console sign-ins, console-made calls
 * included. Failed calls and sign-ins are not activity.
 */
export const rootActivity: Rule = {
  id: 'root-activity',
  title: 'Root user activity',
  severity: 'high',
  mitre: { tactic: 'Privilege Escalation', technique: 'T1078.004 Valid Accounts: Cloud Accounts' },
  description:
    'The root user signed in or made a change. Root should be locked away; its use bypasses every IAM control gatewarden relies on.',
  runbook:
    'Confirm with the account owner; if unplanned, reset the root password and MFA, delete root access keys and review every root call.',
  reads: ['responseElements', 'errorCode'],
  dedup: {
    key: (r) => `${r.recipientAccountId ?? r.userIdentity.accountId ?? ''}|${r.eventName}`,
    windowSeconds: 3600,
  },
  evaluate(record) {
    const id = record.userIdentity;
    if (id.type !== 'Root' || byAwsService(id.invokedBy)) return undefined;
    // A failure is not root activity (repeated failed root sign-ins are signin-failure-burst's).
    if (failedAnyway(record) || record.eventType === 'AwsServiceEvent') return undefined;
    if (record.eventName === 'ConsoleLogin') {
      if (obj(record.responseElements)?.ConsoleLogin !== 'Success') return undefined;
    } else if (record.readOnly === true || /^(Get|List|Describe|Head)/.test(record.eventName)) {
      return undefined;
    } else if (record.eventName === 'CreateServiceLinkedRole') {
      // AWS creates service-linked roles on root's behalf when a service is first used.
      return undefined;
    }
    const account = id.accountId ?? record.recipientAccountId ?? 'unknown';
    return {
      summary: `root user of account ${account} ${record.eventName === 'ConsoleLogin' ? 'signed in to the console' : `called ${record.eventSource} ${record.eventName}`}`,
      resource: account,
      details: { eventName: record.eventName },
    };
  },
};
