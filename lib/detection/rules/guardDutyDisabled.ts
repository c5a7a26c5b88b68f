import type { Rule, RuleMatch } from '../types.js';
import { archivingWrite } from './findingsFilters.js';
import { denied, failed, param, principalOf, str, strings } from './support.js';

const NAMES = [
  'DeleteDetector',
  'UpdateDetector',
  'ArchiveFindings',
  'CreateFilter',
  'UpdateFilter',
  // Not reported: it only keeps the filters' last known state current.
  'DeleteFilter',
  'DisassociateFromAdministratorAccount',
  'DisassociateFromMasterAccount',
] as const;

/**
 * GuardDuty switched off, cut from its administrator, or its findings archived away. Filters
 * are read against their last known state (findingsFilterState.ts): UpdateFilter is partial, so
 * one that only changes the criteria of an archive filter still archives.
 */
export const guardDutyDisabled: Rule = {
  id: 'guardduty-disabled',
  title: 'GuardDuty disabled or its findings suppressed',
  severity: 'high',
  mitre: { tactic: 'Defense Evasion', technique: 'T1562.001 Disable or Modify Tools' },
  description:
    'DeleteDetector, UpdateDetector with enable=false, disassociation from the administrator account (high); ArchiveFindings, a filter set to auto-archive, or the criteria of a known archive filter changed (medium; high when it archives every finding): the threat detection that would see stolen gateway credentials in use goes quiet. A refused attempt to disable is medium.',
  runbook:
    'Re-enable the detector (UpdateDetector --enable) or recreate it; delete archive filters nobody approved and unarchive the findings; ask the caller why.',
  events: { sources: ['guardduty.amazonaws.com'], names: NAMES },
  lastState: true,
  reads: [
    'requestParameters.action',
    'requestParameters.detectorId',
    'requestParameters.enable',
    'requestParameters.filterName',
    'requestParameters.findingCriteria',
    'requestParameters.findingIds',
    'requestParameters.name',
  ],
  dedup: {
    key: (r) => `${str(param(r, 'detectorId')) ?? ''}|${r.eventName}${failed(r) ? '|attempt' : ''}`,
    windowSeconds: 3600,
  },
  evaluate(record, context): RuleMatch | undefined {
    const attempt = denied(record);
    if (failed(record) && !attempt) return undefined;
    const detector = str(param(record, 'detectorId')) ?? 'unknown';
    let what: string;
    let severity: RuleMatch['severity'] = 'high';
    switch (record.eventName) {
      case 'UpdateDetector':
        if (param(record, 'enable') !== false) return undefined;
        what = 'detector suspended';
        break;
      case 'ArchiveFindings':
        what = `${strings(param(record, 'findingIds')).length} findings archived`;
        severity = 'medium';
        break;
      case 'CreateFilter':
      case 'UpdateFilter': {
        const archiving = archivingWrite(record, context);
        if (archiving === undefined) return undefined;
        const name = str(param(record, 'filterName')) ?? str(param(record, 'name')) ?? 'unnamed';
        what = `${archiving.what} ${name}${archiving.everything ? ' on every finding' : ''}`;
        severity = archiving.everything ? 'high' : 'medium';
        break;
      }
      case 'DeleteFilter':
        return undefined;
      case 'DeleteDetector':
        what = 'detector deleted';
        break;
      default:
        what = 'detector disassociated from its administrator';
    }
    if (attempt) severity = severity === 'high' ? 'medium' : 'low';
    return {
      severity,
      summary: `${attempt ? 'refused attempt: ' : ''}GuardDuty ${what} (detector ${detector}) by ${principalOf(record)}`,
      resource: detector,
      details: { attempt },
    };
  },
};
