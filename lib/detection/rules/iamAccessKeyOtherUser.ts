import type { CloudTrailRecord } from '../record.js';
import type { Rule } from '../types.js';
import { IAM, callerUserName, failed, param, principalOf, response, str } from './support.js';

/** The user an access key was created for (request, else response). */
function keyOwner(record: CloudTrailRecord): string | undefined {
  return str(param(record, 'userName')) ?? str(response(record, 'accessKey', 'userName'));
}

/** CreateAccessKey for a user other than the caller: a second, hidden way in. */
export const iamAccessKeyOtherUser: Rule = {
  id: 'iam-access-key-for-other-user',
  title: 'Access key created for another IAM user',
  severity: 'high',
  mitre: { tactic: 'Persistence', technique: 'T1098.001 Additional Cloud Credentials' },
  description:
    'CreateAccessKey naming a user other than the caller (or called by a role or root, which have no keys of their own to make): long-term credentials for someone else’s identity, a classic backdoor after a role or admin session is stolen.',
  runbook:
    'Ask the user named whether they requested the key; if not, deactivate and delete it (UpdateAccessKey/DeleteAccessKey), review what the key did since, and treat the caller as compromised.',
  events: { sources: [IAM], names: ['CreateAccessKey'] },
  reads: ['requestParameters.userName', 'responseElements.accessKey'],
  dedup: { key: (r) => keyOwner(r) ?? '', windowSeconds: 3600 },
  evaluate(record) {
    if (failed(record)) return undefined;
    const owner = keyOwner(record);
    // Without a userName IAM creates the key for the caller itself.
    if (owner === undefined) return undefined;
    if (owner === callerUserName(record)) return undefined;
    const keyId = str(response(record, 'accessKey', 'accessKeyId'));
    return {
      summary: `access key created for user ${owner} by ${principalOf(record)}`,
      resource: owner,
      details: { user: owner, accessKeyId: keyId ?? 'unknown' },
      facts: [`user=${owner}`],
    };
  },
};
