import type { CloudTrailRecord } from '../record.js';
import { obj, param, str } from './support.js';

/**
 * What a Security Hub finding update does to the findings it touches, shared by the rules that
 * read BatchUpdateFindings and automation rules (whose FINDING_FIELDS_UPDATE action carries the
 * same `Workflow` and `Severity` members). Security Hub records its request members in
 * PascalCase (awsdocs/aws-security-hub-user-guide, securityhub-ct.md).
 */

/** Workflow statuses that take a finding out of every open-findings view. */
const CLOSING = new Set(['SUPPRESSED', 'RESOLVED']);

/**
 * How an update of finding fields hides findings: their workflow set to SUPPRESSED or RESOLVED
 * (`closed`), or their severity lowered to INFORMATIONAL (`lowered`: still NEW, but out of every
 * severity-filtered alert). Undefined when it does neither.
 */
export function hidingUpdate(
  fields: unknown,
): { kind: 'closed'; status: string } | { kind: 'lowered' } | undefined {
  const update = obj(fields);
  const status = str(obj(update?.Workflow)?.Status);
  if (status !== undefined && CLOSING.has(status)) return { kind: 'closed', status };
  if (str(obj(update?.Severity)?.Label) === 'INFORMATIONAL') return { kind: 'lowered' };
  return undefined;
}

/** The finding ids a BatchUpdateFindings names (`FindingIdentifiers[].Id`), each once. */
export function findingIds(record: CloudTrailRecord): string[] {
  const list = param(record, 'FindingIdentifiers');
  if (!Array.isArray(list)) return [];
  const ids = new Set<string>();
  for (const item of list) {
    const id = str(obj(item)?.Id);
    if (id !== undefined) ids.add(id);
  }
  return [...ids];
}
