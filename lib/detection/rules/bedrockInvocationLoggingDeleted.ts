import type { Rule, RuleMatch } from '../types.js';
import { BEDROCK, denied, failed, principalOf } from './support.js';

/** Bedrock model invocation logging deleted: prompts and responses are no longer recorded. */
export const bedrockInvocationLoggingDeleted: Rule = {
  id: 'bedrock-invocation-logging-deleted',
  title: 'Bedrock model invocation logging deleted',
  severity: 'high',
  mitre: { tactic: 'Defense Evasion', technique: 'T1562.008 Disable or Modify Cloud Logs' },
  description:
    'DeleteModelInvocationLoggingConfiguration: the region’s model calls (the prompts agents send through gateways, and the answers) stop being logged to CloudWatch Logs or S3. A refused attempt is medium.',
  runbook:
    'Put the logging configuration back (PutModelInvocationLoggingConfiguration) at once; ask the caller why; review model calls since in CloudTrail.',
  events: { sources: [BEDROCK], names: ['DeleteModelInvocationLoggingConfiguration'] },
  reads: [],
  dedup: { key: (r) => `${r.awsRegion ?? ''}${failed(r) ? '|attempt' : ''}`, windowSeconds: 3600 },
  evaluate(record): RuleMatch | undefined {
    const attempt = denied(record);
    if (failed(record) && !attempt) return undefined;
    return {
      severity: attempt ? 'medium' : 'high',
      summary: `${attempt ? 'refused attempt: ' : ''}Bedrock model invocation logging deleted in ${record.awsRegion ?? 'unknown region'} by ${principalOf(record)}`,
      resource: `bedrock:${record.awsRegion ?? ''}`,
      details: { attempt },
    };
  },
};
