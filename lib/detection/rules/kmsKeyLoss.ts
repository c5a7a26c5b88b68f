import type { CloudTrailRecord } from '../record.js';
import { FACTS, knownBefore } from '../learnedFacts.js';
import type { Rule } from '../types.js';
import { failed, keyIdOf, param, principalOf, resourceArn, response, str } from './support.js';

function keyOf(record: CloudTrailRecord): string | undefined {
  return (
    resourceArn(record, 'AWS::KMS::Key') ??
    str(response(record, 'keyId')) ??
    str(param(record, 'keyId'))
  );
}

/**
 * A KMS key disabled or scheduled for deletion. Critical for a key gateway credentials depend
 * on (the token vault CMK or a gateway secret's key, learned from the stream): every
 * credential it protects becomes unreadable.
 */
export const kmsKeyLoss: Rule = {
  id: 'kms-key-loss',
  title: 'KMS key disabled or scheduled for deletion',
  severity: 'medium',
  mitre: { tactic: 'Impact', technique: 'T1485 Data Destruction' },
  description:
    'DisableKey or ScheduleKeyDeletion on a customer managed key. If the token vault or gateway secrets are encrypted with it, gateways lose their credentials.',
  runbook:
    'CancelKeyDeletion / EnableKey at once if unplanned; list what the key encrypts (token vault, gatewarden secrets) and who changed it.',
  events: { sources: ['kms.amazonaws.com'], names: ['DisableKey', 'ScheduleKeyDeletion'] },
  reads: ['resources'],
  dedup: { key: (r) => keyOf(r) ?? principalOf(r), windowSeconds: 3600 },
  lastState: true,
  evaluate(record, context) {
    if (failed(record)) return undefined;
    const key = keyOf(record) ?? 'unknown key';
    const gatewayKey = knownBefore(record, context, FACTS.gatewayKey, keyIdOf(key));
    const what = record.eventName === 'DisableKey' ? 'disabled' : 'scheduled for deletion';
    return {
      severity: gatewayKey ? 'critical' : 'medium',
      summary: `KMS key ${key} ${what} by ${principalOf(record)}${gatewayKey ? ' (protects gateway credentials)' : ''}`,
      resource: key,
      details: { gatewayKey },
    };
  },
};
