import type { Rule } from '../types.js';
import { CLOUDTRAIL, denied, failed, param, principalOf, str } from './support.js';

/** CloudTrail logging stopped or a trail deleted. */
export const cloudtrailStopped: Rule = {
  id: 'cloudtrail-stopped',
  title: 'CloudTrail logging stopped or trail deleted',
  severity: 'critical',
  mitre: { tactic: 'Defense Evasion', technique: 'T1562.008 Disable or Modify Cloud Logs' },
  description:
    'StopLogging or DeleteTrail: from now on gateway management and secret reads are no longer recorded, and gatewarden goes blind. A refused attempt (access denied) is reported at medium severity: nothing changed, but someone tried.',
  runbook:
    'Restart logging (StartLogging) or recreate the trail at once; treat the caller as compromised until proven otherwise; review what happened around the change.',
  events: { sources: [CLOUDTRAIL], names: ['StopLogging', 'DeleteTrail'] },
  // An attempt must not use up the window of the change that may follow it.
  reads: ['requestParameters.name'],
  dedup: {
    key: (r) => `${str(param(r, 'name')) ?? ''}${failed(r) ? '|attempt' : ''}`,
    windowSeconds: 3600,
  },
  evaluate(record) {
    const trail = str(param(record, 'name')) ?? 'unknown trail';
    if (denied(record)) {
      return {
        severity: 'medium',
        summary: `refused attempt to ${record.eventName === 'StopLogging' ? 'stop logging on' : 'delete'} trail ${trail} by ${principalOf(record)} (${record.errorCode ?? 'denied'})`,
        resource: trail,
        details: { attempt: true, errorCode: record.errorCode ?? '' },
      };
    }
    // Other errors (no such trail, throttling) are mistakes, not attempts.
    if (failed(record)) return undefined;
    return {
      severity: 'critical',
      summary: `${record.eventName === 'StopLogging' ? 'logging stopped on' : 'deleted'} trail ${trail} by ${principalOf(record)}`,
      resource: trail,
    };
  },
};
