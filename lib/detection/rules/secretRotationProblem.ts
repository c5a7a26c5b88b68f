import type { Rule } from '../types.js';
import {
  SECRETS,
  failed,
  isGatewaySecret,
  obj,
  param,
  principalOf,
  secretIdOf,
  str,
} from './support.js';

/**
 * Rotation cancelled (CancelRotateSecret disables it), failing (RotationFailed service event),
 * or abandoned. Gateway secrets are high; others medium.
 */
export const secretRotationProblem: Rule = {
  id: 'secret-rotation-problem',
  title: 'Secret rotation cancelled or failing',
  severity: 'medium',
  mitre: { tactic: 'Defense Evasion', technique: 'T1562 Impair Defenses' },
  description:
    'Rotation of a secret was cancelled (which also disables it) or failed: the credential stops being refreshed and may already be exposed.',
  runbook:
    'For a failure, read the rotation function logs and the secret tag gatewarden:last-rotation-error; for a cancellation, confirm who and why, then re-enable rotation (`gatewarden rotate`).',
  events: {
    sources: [SECRETS],
    names: ['CancelRotateSecret', 'RotationFailed', 'RotationAbandoned'],
  },
  reads: [
    'additionalEventData.SecretId',
    'requestParameters.secretId',
    'resources',
    'responseElements',
  ],
  dedup: { key: (r) => `${secretIdOf(r) ?? ''}|${r.eventName}`, windowSeconds: 3600 },
  evaluate(record) {
    if (record.eventName === 'CancelRotateSecret' && failed(record)) return undefined;
    const secretId =
      secretIdOf(record) ??
      str(param(record, 'secretArn')) ??
      str((record.additionalEventData ?? {})['SecretId']) ??
      str(obj(record['serviceEventDetails'])?.SecretId) ??
      'unknown secret';
    const gateway = isGatewaySecret(secretId);
    const what =
      record.eventName === 'CancelRotateSecret'
        ? `cancelled by ${principalOf(record)}`
        : record.eventName === 'RotationFailed'
          ? 'failed'
          : 'was abandoned';
    return {
      severity: gateway ? 'high' : 'medium',
      summary: `rotation of secret ${secretId} ${what}`,
      resource: secretId,
      details: { gatewaySecret: gateway },
    };
  },
};
