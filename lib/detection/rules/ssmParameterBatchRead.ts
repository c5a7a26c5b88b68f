import type { Rule, RuleMatch } from '../types.js';
import { SSM, decryptingRead } from './ssmParameterBulkRead.js';
import { param, principalOf, str, strings, viaAwsService } from './support.js';
import { isRotator } from './expectedReaders.js';

/** Names in one GetParameters call from which it reads as a sweep, not a configuration. */
const BATCH = 5;

/**
 * One call decrypting many parameters: GetParameters with many names, or GetParametersByPath
 * recursively (from the root it returns every SecureString of the Region).
 */
export const ssmParameterBatchRead: Rule = {
  id: 'ssm-parameter-batch-read',
  title: 'SecureString parameters decrypted in bulk in one call',
  severity: 'medium',
  mitre: { tactic: 'Credential Access', technique: 'T1555.006 Cloud Secrets Management Stores' },
  description:
    'GetParameters decrypting at least 5 names (the API maximum is 10; Stratus Red Team’s technique reads in batches of 10), or GetParametersByPath decrypting recursively. High for a recursive read from the root path.',
  runbook:
    'Check which parameters the path or names cover and whether the caller is an approved job; rotate the credentials they hold if not.',
  events: { sources: [SSM], names: ['GetParameters', 'GetParametersByPath'] },
  reads: [
    'requestParameters.names',
    'requestParameters.path',
    'requestParameters.recursive',
    'requestParameters.withDecryption',
  ],
  dedup: { key: (r) => principalOf(r), windowSeconds: 3600 },
  evaluate(record, context): RuleMatch | undefined {
    if (!decryptingRead(record) || isRotator(record, context) || viaAwsService(record)) {
      return undefined;
    }
    if (record.eventName === 'GetParameters') {
      const names = strings(param(record, 'names'));
      if (names.length < BATCH) return undefined;
      return {
        summary: `${principalOf(record)} decrypted ${names.length} parameters in one GetParameters call`,
        details: { parameters: names.length },
      };
    }
    if (param(record, 'recursive') !== true) return undefined;
    const path = str(param(record, 'path')) ?? '/';
    return {
      severity: path === '/' ? 'high' : 'medium',
      summary: `${principalOf(record)} decrypted every parameter under ${path} (recursive)`,
      resource: `path:${path}`,
      details: { path, recursive: true },
    };
  },
};
