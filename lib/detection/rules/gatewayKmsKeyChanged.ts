import { NONE } from '../stateTrackers.js';
import type { Rule, RuleMatch } from '../types.js';
import { foreignArn, gatewayChange, shown } from './lastState.js';
import { AGENTCORE, failed, gatewayIdOf, keyIdOf, principalOf } from './support.js';

/**
 * Model: CreateGateway / UpdateGateway `kmsKeyArn` (the customer-managed key encrypting the
 * gateway's data; absent = an AWS-owned key). UpdateGateway is a full replace.
 */

/** The gateway fields this rule compares. */
const KEYS = ['kmsKeyArn'] as const;

export const gatewayKmsKeyChanged: Rule = {
  id: 'gateway-kms-key-changed',
  title: 'Gateway KMS key removed or changed',
  severity: 'high',
  mitre: { tactic: 'Defense Evasion', technique: 'T1562 Impair Defenses' },
  description:
    'The customer-managed KMS key of a gateway was removed (an UpdateGateway without kmsKeyArn on a gateway last seen with one: its data falls back to an AWS-owned key, out of the customer’s key policy and CloudTrail) or replaced by another key: high when removed or when the new key is in an untrusted account, medium for another key of a trusted account.',
  runbook:
    'Confirm the change with the gateway owner; put the approved key back (UpdateGateway kmsKeyArn) and check the new key’s policy for principals outside the account.',
  events: { sources: [AGENTCORE], names: ['CreateGateway', 'UpdateGateway'] },
  lastState: true,
  reads: [
    'requestParameters.gatewayIdentifier',
    'requestParameters.authorizerType',
    'requestParameters.roleArn',
    'requestParameters.kmsKeyArn',
    'responseElements.gatewayId',
    'responseElements.kmsKeyArn',
  ],
  dedup: { key: (r) => gatewayIdOf(r) ?? '', windowSeconds: 3600 },
  evaluate(record, context): RuleMatch | undefined {
    if (failed(record)) return undefined;
    const change = gatewayChange(record, context, KEYS);
    const after = change?.current.kmsKeyArn;
    if (change === undefined || after === undefined) return undefined;
    const before = change.previous?.kmsKeyArn;
    const gatewayId = gatewayIdOf(record) ?? 'unknown';
    const who = principalOf(record);
    const foreign = after !== NONE && foreignArn(after, record, context);
    if (before === undefined || before === NONE) {
      // First key (or unknown before): only a key of another account is news.
      if (!foreign) return undefined;
      return {
        severity: change.created || before === undefined ? 'medium' : 'high',
        summary: `gateway ${gatewayId} encrypted with KMS key ${shown(after)} of another account, set by ${who}`,
        resource: gatewayId,
        details: { kmsKeyArn: shown(after), foreignKey: true },
        facts: [`kmsKey=${keyIdOf(after)}`],
      };
    }
    if (after === before) return undefined;
    if (after === NONE) {
      return {
        summary: `gateway ${gatewayId} KMS key ${shown(before)} removed (update without kmsKeyArn) by ${who}`,
        resource: gatewayId,
        details: { previousKmsKeyArn: shown(before), kmsKeyArn: 'removed' },
        facts: ['kmsKey=removed'],
      };
    }
    return {
      severity: foreign ? 'high' : 'medium',
      summary: `gateway ${gatewayId} KMS key changed from ${shown(before)} to ${shown(after)}${foreign ? ' (another account)' : ''} by ${who}`,
      resource: gatewayId,
      details: { previousKmsKeyArn: shown(before), kmsKeyArn: shown(after), foreignKey: foreign },
      facts: [`kmsKey=${keyIdOf(after)}`],
    };
  },
};
