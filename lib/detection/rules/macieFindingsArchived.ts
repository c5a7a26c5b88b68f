import { MACIE } from '../findingsFilterState.js';
import type { Rule, RuleMatch } from '../types.js';
import { archivingWrite } from './findingsFilters.js';
import { byAutomation, shown } from './lastState.js';
import { denied, failed, param, principalOf, response, str } from './support.js';

/**
 * A Macie findings filter that suppresses (auto-archives) the findings it matches: Macie keeps
 * finding credentials and sensitive data copied into S3, but nobody is shown them. Macie
 * records camelCase members (Amazon Macie User Guide, "Logging Macie API calls with AWS
 * CloudTrail": `requestParameters.findingCriteria.criterion`).
 */
export const macieFindingsArchived: Rule = {
  id: 'macie-findings-filter-archives',
  title: 'Macie findings filter auto-archives findings',
  severity: 'medium',
  mitre: { tactic: 'Defense Evasion', technique: 'T1562.001 Disable or Modify Tools' },
  description:
    'CreateFindingsFilter or UpdateFindingsFilter with action ARCHIVE, or an UpdateFindingsFilter that changes the criteria of a filter known to archive (the update is partial: read against the filter’s last known state): matching sensitive-data findings are archived as they arrive. Medium; high when the filter has no criteria (every finding); low when made by deploy automation or refused. A NOOP filter (a saved view) is not reported.',
  runbook:
    'Read the filter (GetFindingsFilter): its criteria and who asked for it; set it to NOOP or delete it if nobody approved it, and review the findings it archived (ListFindings with archived = true).',
  events: {
    sources: [MACIE],
    names: ['CreateFindingsFilter', 'UpdateFindingsFilter', 'DeleteFindingsFilter'],
  },
  lastState: true,
  reads: [
    'requestParameters.action',
    'requestParameters.findingCriteria',
    'requestParameters.id',
    'requestParameters.name',
    'responseElements.id',
  ],
  dedup: {
    key: (r) =>
      `${str(param(r, 'id')) ?? str(param(r, 'name')) ?? ''}|${r.eventName}${failed(r) ? '|attempt' : ''}`,
    windowSeconds: 3600,
  },
  evaluate(record, context): RuleMatch | undefined {
    const attempt = denied(record);
    if (failed(record) && !attempt) return undefined;
    const archiving = archivingWrite(record, context);
    if (archiving === undefined) return undefined;
    const filter =
      str(param(record, 'id')) ?? str(response(record, 'id')) ?? str(param(record, 'name'));
    let severity: RuleMatch['severity'] = archiving.everything ? 'high' : 'medium';
    if (attempt || byAutomation(record, context)) severity = 'low';
    return {
      severity,
      summary: `${attempt ? 'refused attempt: ' : ''}Macie ${archiving.what}${filter === undefined ? '' : ` (${shown(filter, 60)})`}${archiving.everything ? ' on every finding' : ''} by ${principalOf(record)}`,
      resource: filter ?? `macie:${record.awsRegion ?? ''}`,
      details: { attempt, everything: archiving.everything },
      facts: archiving.everything ? ['criteria=none'] : [],
    };
  },
};
