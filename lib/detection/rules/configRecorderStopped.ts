import type { Rule } from '../types.js';
import { denied, failed, param, principalOf, str } from './support.js';

const NAMES = [
  'StopConfigurationRecorder',
  'DeleteConfigurationRecorder',
  'DeleteDeliveryChannel',
] as const;

/** AWS Config stops recording: configuration history of roles, keys and policies ends. */
export const configRecorderStopped: Rule = {
  id: 'config-recorder-stopped',
  title: 'AWS Config recorder stopped or deleted',
  severity: 'high',
  mitre: { tactic: 'Defense Evasion', technique: 'T1562.001 Disable or Modify Tools' },
  description:
    'StopConfigurationRecorder, DeleteConfigurationRecorder or DeleteDeliveryChannel: changes to IAM roles, KMS keys and secrets are no longer recorded or evaluated by Config rules. A refused attempt is reported at medium severity.',
  runbook:
    'Restart the recorder (StartConfigurationRecorder) or recreate it and its delivery channel; ask the caller why; review IAM and KMS changes made while it was off.',
  events: { sources: ['config.amazonaws.com'], names: NAMES },
  reads: ['requestParameters.configurationRecorderName', 'requestParameters.deliveryChannelName'],
  dedup: { key: (r) => `${r.eventName}${failed(r) ? '|attempt' : ''}`, windowSeconds: 3600 },
  evaluate(record) {
    const attempt = denied(record);
    if (failed(record) && !attempt) return undefined;
    const name =
      str(param(record, 'configurationRecorderName')) ??
      str(param(record, 'deliveryChannelName')) ??
      'default';
    return {
      severity: attempt ? 'medium' : 'high',
      summary: `${attempt ? 'refused attempt: ' : ''}${record.eventName} ${name} by ${principalOf(record)}`,
      resource: name,
      details: { attempt },
    };
  },
};
