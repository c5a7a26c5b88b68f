import type { Rule } from '../types.js';
import { SECRETS, failed, isGatewaySecret, param, principalOf, strings } from './support.js';
import { isRotator } from './expectedReaders.js';

/** BatchGetSecretValue: one call returning many secrets (by list or by filter). */
export const secretBatchRead: Rule = {
  id: 'secret-batch-read',
  title: 'Secrets retrieved in bulk with BatchGetSecretValue',
  severity: 'medium',
  mitre: { tactic: 'Credential Access', technique: 'T1555.006 Cloud Secrets Management Stores' },
  description:
    'BatchGetSecretValue returns up to 20 secret values per call; by filter it can sweep a whole account. High when gateway secrets are named or a filter is used.',
  runbook:
    'Check which secrets were returned and whether the caller is an approved batch job; rotate gateway secrets if not.',
  events: { sources: [SECRETS], names: ['BatchGetSecretValue'] },
  reads: ['requestParameters.filters', 'requestParameters.secretIdList'],
  dedup: { key: (r) => principalOf(r), windowSeconds: 3600 },
  evaluate(record, context) {
    if (failed(record) || isRotator(record, context)) return undefined;
    const ids = strings(param(record, 'secretIdList'));
    const byFilter = param(record, 'filters') !== undefined;
    const gateway = ids.some(isGatewaySecret);
    return {
      severity: gateway || byFilter ? 'high' : 'medium',
      summary: `${principalOf(record)} called BatchGetSecretValue ${byFilter ? 'with filters' : `for ${ids.length} secrets`}${gateway ? ' including gateway secrets' : ''}`,
      details: { secrets: ids.length, byFilter, gatewaySecrets: gateway },
    };
  },
};
