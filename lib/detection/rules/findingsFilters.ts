import { FILTER_KIND, filterStateOf, type FilterState } from '../findingsFilterState.js';
import type { CloudTrailRecord } from '../record.js';
import type { DetectionContext } from '../types.js';
import { changeOf } from './lastState.js';

const WRITES = new Set([
  'CreateFilter',
  'UpdateFilter',
  'CreateFindingsFilter',
  'UpdateFindingsFilter',
]);

/**
 * How a GuardDuty or Macie filter write makes findings disappear: a filter set to ARCHIVE, or the
 * criteria of a filter known to archive changed by a partial update that does not repeat the
 * action. Read against the filter's last known state (findingsFilterState.ts); a filter first
 * seen in an update without its action cannot be judged and is not reported. Undefined when the
 * write archives nothing.
 */
export function archivingWrite(
  record: CloudTrailRecord,
  context: DetectionContext,
): { what: string; everything: boolean } | undefined {
  if (!WRITES.has(record.eventName)) return undefined;
  const shown = filterStateOf(record);
  const change = changeOf<FilterState>(record, context, FILTER_KIND);
  // A refused write leaves no state: the request alone says what was attempted.
  const after = change?.current ?? shown;
  if (after?.action !== 'ARCHIVE') return undefined;
  const wasArchiving = change?.previous?.action === 'ARCHIVE';
  let what: string;
  if (shown.action === 'ARCHIVE') {
    what = wasArchiving ? 'auto-archive filter rewritten' : 'auto-archive filter set';
  } else if (shown.everything !== undefined && wasArchiving) {
    what = 'auto-archive filter’s criteria changed';
  } else {
    return undefined;
  }
  return { what, everything: after.everything === true };
}
