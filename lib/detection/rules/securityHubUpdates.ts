import type { CloudTrailRecord } from '../record.js';
import { obj, param, str } from './support.js';

/**
 * What a Security Hub finding update does to the findings it touches, shared by the rules that
 * read BatchUpdateFindings, BatchUpdateFindingsV2 and automation rules (whose
 * FINDING_FIELDS_UPDATE action carries the same members). Security Hub records its request
 * members in PascalCase (awsdocs/aws-security-hub-user-guide, securityhub-ct.md).
 */

/** Workflow statuses that take a finding out of every open-findings view. */
const CLOSING = new Set(['SUPPRESSED', 'RESOLVED']);

/** The same for the OCSF `StatusId` of the V2 APIs: Suppressed, Resolved, Archived. */
const CLOSING_STATUS_IDS: ReadonlyMap<number, string> = new Map([
  [3, 'SUPPRESSED'],
  [4, 'RESOLVED'],
  [5, 'ARCHIVED'],
]);

/** OCSF `SeverityId` 1: Informational. */
const INFORMATIONAL_SEVERITY_ID = 1;

/**
 * How an update of finding fields hides findings: their workflow set to SUPPRESSED or RESOLVED
 * (`closed`; V2: `StatusId` 3, 4 or 5), or their severity lowered to INFORMATIONAL (`lowered`;
 * also `Normalized` 0 without a `Label`, which Security Hub reads as INFORMATIONAL;
 * V2: `SeverityId` 1: still NEW, but out of every severity-filtered alert). Undefined when it
 * does neither.
 */
export function hidingUpdate(
  fields: unknown,
): { kind: 'closed'; status: string } | { kind: 'lowered' } | undefined {
  const update = obj(fields);
  if (update === undefined) return undefined;
  const status = str(obj(update.Workflow)?.Status);
  if (status !== undefined && CLOSING.has(status)) return { kind: 'closed', status };
  const statusId = typeof update.StatusId === 'number' ? update.StatusId : undefined;
  const closed = statusId === undefined ? undefined : CLOSING_STATUS_IDS.get(statusId);
  if (closed !== undefined) return { kind: 'closed', status: closed };
  const severity = obj(update.Severity);
  const label = str(severity?.Label);
  if (label === 'INFORMATIONAL') return { kind: 'lowered' };
  // SeverityUpdate: without a Label, Security Hub derives it from Normalized, 0 = INFORMATIONAL.
  if (label === undefined && severity?.Normalized === 0) return { kind: 'lowered' };
  if (update.SeverityId === INFORMATIONAL_SEVERITY_ID) return { kind: 'lowered' };
  return undefined;
}

/**
 * The findings a BatchUpdateFindings or BatchUpdateFindingsV2 names, each once:
 * `FindingIdentifiers[].Id` (V1), `MetadataUids[]` or `FindingIdentifiers[]` by account,
 * product and finding uid (V2).
 */
export function findingIds(record: CloudTrailRecord): string[] {
  const ids = new Set<string>();
  const list = param(record, 'FindingIdentifiers');
  if (Array.isArray(list)) {
    for (const item of list) {
      const identifier = obj(item);
      const id = str(identifier?.Id);
      if (id !== undefined) {
        ids.add(id);
        continue;
      }
      const uid = str(identifier?.FindingInfoUid);
      if (uid === undefined) continue;
      ids.add(
        `${str(identifier?.CloudAccountUid) ?? ''}|${str(identifier?.MetadataProductUid) ?? ''}|${uid}`,
      );
    }
  }
  const uids = param(record, 'MetadataUids');
  if (Array.isArray(uids)) {
    for (const uid of uids) if (str(uid) !== undefined) ids.add(`metadata|${String(uid)}`);
  }
  return [...ids];
}
