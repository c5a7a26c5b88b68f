import type { Rule, RuleMatch } from '../types.js';
import { denied, failed, param, principalOf, response, str } from './support.js';
import { shown } from './lastState.js';

const GUARDDUTY = 'guardduty.amazonaws.com';

/**
 * GuardDuty's lists changed: a trusted IP list (IPSet) makes GuardDuty raise no finding for
 * traffic from its addresses, so an attacker who adds or repoints one whitelists their own
 * infrastructure; a threat intel list switched off or deleted stops findings on known-bad
 * addresses. (Panther's AWS.IPSet.Modified and SigmaHQ's aws_guardduty_disruption watch the
 * same calls.) A threat intel list created or activated adds detection: not reported.
 */
export const guardDutyTrustedListChanged: Rule = {
  id: 'guardduty-trusted-list-changed',
  title: 'GuardDuty trusted IP list set, or threat intel list removed',
  severity: 'high',
  mitre: { tactic: 'Defense Evasion', technique: 'T1562.001 Disable or Modify Tools' },
  description:
    'CreateIPSet or UpdateIPSet that activates a trusted IP list or points it at a new file (high; an inactive list created: low): GuardDuty stays silent for those addresses. UpdateThreatIntelSet with activate=false or DeleteThreatIntelSet (medium). A refused attempt is one level lower.',
  runbook:
    'Read the list’s file (GetIPSet → location) and compare it with your approved egress addresses; deactivate or delete a list nobody approved; review findings GuardDuty would have raised for those addresses.',
  events: {
    sources: [GUARDDUTY],
    names: ['CreateIPSet', 'UpdateIPSet', 'UpdateThreatIntelSet', 'DeleteThreatIntelSet'],
  },
  reads: [
    'requestParameters.activate',
    'requestParameters.detectorId',
    'requestParameters.ipSetId',
    'requestParameters.location',
    'requestParameters.name',
    'requestParameters.threatIntelSetId',
  ],
  dedup: {
    key: (r) => `${str(param(r, 'detectorId')) ?? ''}|${r.eventName}${failed(r) ? '|attempt' : ''}`,
    windowSeconds: 3600,
  },
  evaluate(record): RuleMatch | undefined {
    const attempt = denied(record);
    if (failed(record) && !attempt) return undefined;
    const activate = param(record, 'activate');
    let what: string;
    let severity: RuleMatch['severity'] = 'high';
    let list: string | undefined;
    switch (record.eventName) {
      case 'CreateIPSet':
        list = str(param(record, 'name')) ?? str(response(record, 'ipSetId'));
        what =
          activate === true
            ? 'trusted IP list created and activated'
            : 'trusted IP list created (inactive)';
        if (activate !== true) severity = 'low';
        break;
      case 'UpdateIPSet': {
        list = str(param(record, 'ipSetId'));
        const location = str(param(record, 'location'));
        if (activate !== true && location === undefined) return undefined;
        what =
          location === undefined
            ? 'trusted IP list activated'
            : `trusted IP list pointed at ${shown(location)}`;
        break;
      }
      case 'UpdateThreatIntelSet':
        if (activate !== false) return undefined;
        list = str(param(record, 'threatIntelSetId'));
        what = 'threat intel list deactivated';
        severity = 'medium';
        break;
      default:
        list = str(param(record, 'threatIntelSetId'));
        what = 'threat intel list deleted';
        severity = 'medium';
    }
    if (attempt) severity = severity === 'high' ? 'medium' : 'low';
    const detector = str(param(record, 'detectorId')) ?? 'unknown';
    return {
      severity,
      summary: `${attempt ? 'refused attempt: ' : ''}GuardDuty ${what}${list === undefined ? '' : ` (${shown(list)})`} on detector ${detector} by ${principalOf(record)}`,
      resource: detector,
      details: { attempt, list: list === undefined ? '' : shown(list) },
    };
  },
};
