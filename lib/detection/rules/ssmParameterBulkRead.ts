import type { CloudTrailRecord } from '../record.js';
import type { Rule } from '../types.js';
import { failed, param, principalOf, str, strings, viaAwsService } from './support.js';
import { isRotator } from './expectedReaders.js';

export const SSM = 'ssm.amazonaws.com';
export const SSM_READS = [
  'GetParameter',
  'GetParameters',
  'GetParametersByPath',
  'GetParameterHistory',
] as const;

/** A decrypting Parameter Store read (SecureString values come back in clear). */
export function decryptingRead(record: CloudTrailRecord): boolean {
  return param(record, 'withDecryption') === true && !failed(record);
}

/** What one read asked for: a name, a sorted set of names, or a path. */
export function parametersOf(record: CloudTrailRecord): string {
  const path = str(param(record, 'path'));
  if (path !== undefined) return `path:${path}`;
  const names = strings(param(record, 'names'));
  if (names.length > 0) return [...names].sort().join(',');
  return str(param(record, 'name')) ?? 'unknown';
}

/** One principal decrypting many Parameter Store entries within a window. */
export const ssmParameterBulkRead: Rule = {
  id: 'ssm-parameter-bulk-read',
  title: 'Bulk SecureString parameter reads by one principal',
  severity: 'high',
  mitre: { tactic: 'Credential Access', technique: 'T1555.006 Cloud Secrets Management Stores' },
  description:
    'One principal made at least 10 distinct decrypting Parameter Store reads (GetParameter, GetParameters, GetParametersByPath, GetParameterHistory with withDecryption) within 10 minutes: credential harvesting outside Secrets Manager. Large single batches are ssm-parameter-batch-read’s.',
  runbook:
    'List the parameters read (CloudTrail, same principal and window); rotate the credentials they hold; disable the principal’s keys or sessions unless it is a known deployment job.',
  events: { sources: [SSM], names: SSM_READS },
  threshold: {
    key: (r) => principalOf(r),
    member: (r) => parametersOf(r),
    threshold: 10,
    windowSeconds: 600,
  },
  reads: [
    'requestParameters.name',
    'requestParameters.names',
    'requestParameters.path',
    'requestParameters.withDecryption',
  ],
  dedup: { key: (r) => principalOf(r), windowSeconds: 3600 },
  evaluate(record, context) {
    // Services resolving parameters they were configured with (CloudFormation, ECS task
    // start) read many by design; harvesting is a principal doing it itself.
    if (!decryptingRead(record) || isRotator(record, context) || viaAwsService(record)) {
      return undefined;
    }
    return {
      summary: `${principalOf(record)} decrypted many Parameter Store entries in a short window`,
      resource: parametersOf(record),
    };
  },
};
