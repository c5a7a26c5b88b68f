import type { StateVersion } from './ports.js';
import type { CloudTrailRecord } from './record.js';
import { homeAccount, obj, param, response, str } from './rules/support.js';

/**
 * Findings filters that can auto-archive: GuardDuty filters (CreateFilter, UpdateFilter,
 * DeleteFilter; `action` NOOP or ARCHIVE) and Macie findings filters (CreateFindingsFilter,
 * UpdateFindingsFilter, DeleteFindingsFilter; `action` NOOP or ARCHIVE). Both updates are
 * partial: a member absent from the request keeps its value, so an UpdateFilter that only
 * widens the criteria of an archive filter says nothing about archiving by itself. The state
 * kept here (the filter's action, and whether its criteria match every finding) lets the rules
 * read such an update against what the filter was. Both services record camelCase members.
 */

export const FILTER_KIND = 'findings-filter';
export const GUARDDUTY = 'guardduty.amazonaws.com';
export const MACIE = 'macie2.amazonaws.com';

/** A filter's archiving settings; a missing field is unknown. */
export interface FilterState {
  action?: string;
  /** The criteria are empty: the filter matches every finding. */
  everything?: boolean;
}

const CREATE = new Set(['CreateFilter', 'CreateFindingsFilter']);
const UPDATE = new Set(['UpdateFilter', 'UpdateFindingsFilter']);
const DELETE = new Set(['DeleteFilter', 'DeleteFindingsFilter']);

/** The filter a record names: the detector and name for GuardDuty, the id for Macie. */
export function filterKey(record: CloudTrailRecord): string | undefined {
  const account = homeAccount(record) ?? 'unknown';
  if (record.eventSource === GUARDDUTY) {
    const detector = str(param(record, 'detectorId'));
    // CreateFilter names it in the body; UpdateFilter and DeleteFilter in the path.
    const name =
      str(param(record, 'filterName')) ??
      str(param(record, 'name')) ??
      str(response(record, 'name'));
    return detector === undefined || name === undefined
      ? undefined
      : `guardduty/${account}/${detector}/${name}`;
  }
  if (record.eventSource === MACIE) {
    const id = str(param(record, 'id')) ?? str(response(record, 'id'));
    return id === undefined ? undefined : `macie/${account}/${record.awsRegion ?? ''}/${id}`;
  }
  return undefined;
}

/** What a Create or Update request shows of the filter. */
export function filterStateOf(record: CloudTrailRecord): FilterState {
  const out: FilterState = {};
  const action = str(param(record, 'action'));
  // GuardDuty's CreateFilter defaults to NOOP; Macie requires the action.
  if (action !== undefined) out.action = action;
  else if (CREATE.has(record.eventName)) out.action = 'NOOP';
  const criteria = obj(param(record, 'findingCriteria'));
  if (criteria !== undefined) {
    const criterion = obj(criteria.criterion);
    out.everything = criterion === undefined || Object.keys(criterion).length === 0;
  }
  return out;
}

function before(previous: StateVersion | undefined): FilterState {
  if (previous?.state === undefined || previous.state === null) return {};
  try {
    return JSON.parse(previous.state) as FilterState;
  } catch {
    return {};
  }
}

/** The filter a GuardDuty or Macie record touches and the settings it leaves it with. */
export function filterTracked(record: CloudTrailRecord): {
  kind: string;
  subject: string;
  next: (previous: StateVersion | undefined) => string | null | undefined;
}[] {
  const isFilterCall =
    CREATE.has(record.eventName) || UPDATE.has(record.eventName) || DELETE.has(record.eventName);
  if (!isFilterCall) return [];
  const subject = filterKey(record);
  if (subject === undefined) return [];
  if (DELETE.has(record.eventName)) return [{ kind: FILTER_KIND, subject, next: () => null }];
  const shown = filterStateOf(record);
  return [
    {
      kind: FILTER_KIND,
      subject,
      next: (previous) =>
        CREATE.has(record.eventName)
          ? JSON.stringify(shown)
          : JSON.stringify({ ...before(previous), ...shown }),
    },
  ];
}
