import type { Rule } from '../types.js';
import { SECRETS, failed, principalOf, secretIdOf, viaAwsService } from './support.js';
import { isRotator } from './expectedReaders.js';

/** One principal reading many distinct secrets within a window (windowed distinct counter). */
export const secretBulkRead: Rule = {
  id: 'secret-bulk-read',
  title: 'Bulk secret retrieval by one principal',
  severity: 'high',
  mitre: { tactic: 'Credential Access', technique: 'T1555.006 Cloud Secrets Management Stores' },
  description:
    'One principal read at least 10 distinct secrets within 10 minutes: typical of credential harvesting with stolen keys.',
  runbook:
    'List the secrets read (CloudTrail, same principal and window); rotate the gateway ones; disable the principal’s keys or sessions if it is not a known batch job.',
  events: { sources: [SECRETS], names: ['GetSecretValue'] },
  threshold: {
    key: (r) => principalOf(r),
    member: (r) => secretIdOf(r) ?? 'unknown',
    threshold: 10,
    windowSeconds: 600,
  },
  reads: ['requestParameters.secretId'],
  dedup: { key: (r) => principalOf(r), windowSeconds: 3600 },
  evaluate(record, context) {
    // A service fetching secrets it was configured with (ECS task start, AgentCore token
    // retrieval) reads many at once by design; harvesting is a principal doing it itself.
    if (failed(record) || isRotator(record, context) || viaAwsService(record)) return undefined;
    return {
      summary: `${principalOf(record)} read many distinct secrets in a short window`,
      resource: secretIdOf(record),
    };
  },
};
