import type { Rule } from '../types.js';
import { CLOUDTRAIL, failed, param, principalOf, str } from './support.js';

/** CloudTrail logging stopped or a trail deleted. */
export const cloudtrailStopped: Rule = {
  id: 'cloudtrail-stopped',
  title: 'CloudTrail logging stopped or trail deleted',
  severity: 'critical',
  mitre: { tactic: 'Defense Evasion', technique: 'T1562.008 Disable or Modify Cloud Logs' },
  description:
    'StopLogging or DeleteTrail: from now on gateway management and secret reads are no longer recorded, and gatewarden goes blind.',
  runbook:
    'Restart logging (StartLogging) or recreate the trail at once; treat the caller as compromised until proven otherwise; review what happened around the change.',
  events: { sources: [CLOUDTRAIL], names: ['StopLogging', 'DeleteTrail'] },
  dedup: { key: (r) => str(param(r, 'name')) ?? '', windowSeconds: 3600 },
  evaluate(record) {
    if (failed(record)) return undefined;
    const trail = str(param(record, 'name')) ?? 'unknown trail';
    return {
      severity: record.eventName === 'DeleteTrail' ? 'critical' : 'critical',
      summary: `${record.eventName === 'StopLogging' ? 'logging stopped on' : 'deleted'} trail ${trail} by ${principalOf(record)}`,
      resource: trail,
    };
  },
};
