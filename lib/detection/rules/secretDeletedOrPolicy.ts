import type { Rule, RuleMatch } from '../types.js';
import { SECRETS, denied, failed, isGatewaySecret, principalOf, secretIdOf } from './support.js';

/** A secret deleted, or its resource policy put/deleted. Gateway secrets high, others low. */
export const secretDeletedOrPolicy: Rule = {
  id: 'secret-deleted-or-policy-changed',
  title: 'Secret deleted or its resource policy changed',
  severity: 'high',
  mitre: { tactic: 'Impact', technique: 'T1485 Data Destruction' },
  description:
    'DeleteSecret, PutResourcePolicy or DeleteResourcePolicy on a secret: a deleted gateway credential breaks the gateway, a changed policy can open it to other principals. A refused DeleteSecret (access denied) is an attempt: medium on a gateway secret, low otherwise.',
  runbook:
    'For a deletion, RestoreSecret within the recovery window if unplanned; for a policy change, diff it and remove principals outside the gateway role, AgentCore and the rotator.',
  events: {
    sources: [SECRETS],
    names: ['DeleteSecret', 'PutResourcePolicy', 'DeleteResourcePolicy'],
  },
  reads: ['requestParameters.secretId'],
  dedup: {
    key: (r) => `${secretIdOf(r) ?? ''}|${r.eventName}${failed(r) ? '|attempt' : ''}`,
    windowSeconds: 3600,
  },
  // Deleting many secrets at once is one incident, whatever each secret's severity.
  group: { allSeverities: true, windowSeconds: 300 },
  evaluate(record): RuleMatch | undefined {
    const secretId = secretIdOf(record) ?? 'unknown secret';
    const gateway = isGatewaySecret(secretId);
    if (record.eventName === 'DeleteSecret' && denied(record)) {
      return {
        severity: gateway ? 'medium' : 'low',
        summary: `refused attempt to delete secret ${secretId} by ${principalOf(record)} (${record.errorCode ?? 'denied'})`,
        resource: secretId,
        details: { gatewaySecret: gateway, attempt: true },
      };
    }
    if (failed(record)) return undefined;
    const what =
      record.eventName === 'DeleteSecret'
        ? 'deleted'
        : `resource policy ${record.eventName === 'PutResourcePolicy' ? 'changed' : 'removed'}`;
    return {
      severity: gateway ? 'high' : 'low',
      summary: `secret ${secretId} ${what} by ${principalOf(record)}`,
      resource: secretId,
      details: { gatewaySecret: gateway },
    };
  },
};
