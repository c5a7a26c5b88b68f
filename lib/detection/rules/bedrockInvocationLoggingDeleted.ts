import type { CloudTrailRecord } from '../record.js';
import type { Rule, RuleMatch } from '../types.js';
import { BEDROCK, denied, failed, obj, param, principalOf } from './support.js';

/**
 * Why a PutModelInvocationLoggingConfiguration logs nothing any more, or undefined: no
 * destination (neither CloudWatch Logs nor S3), or text delivery (prompts and answers) off.
 * A configuration CloudTrail does not show is not judged.
 */
function loggingOff(record: CloudTrailRecord): string | undefined {
  const config = obj(param(record, 'loggingConfig'));
  if (config === undefined) return undefined;
  if (config.cloudWatchConfig === undefined && config.s3Config === undefined) {
    return 'no destination left';
  }
  if (config.textDataDeliveryEnabled === false)
    return 'text (prompts and answers) no longer delivered';
  return undefined;
}

/** Bedrock model invocation logging deleted or emptied: prompts and responses are no longer recorded. */
export const bedrockInvocationLoggingDeleted: Rule = {
  id: 'bedrock-invocation-logging-deleted',
  title: 'Bedrock model invocation logging deleted or turned off',
  severity: 'high',
  mitre: { tactic: 'Defense Evasion', technique: 'T1562.008 Disable or Modify Cloud Logs' },
  description:
    'DeleteModelInvocationLoggingConfiguration (high), or PutModelInvocationLoggingConfiguration leaving no destination or turning text delivery off (medium): the region’s model calls (the prompts agents send through gateways, and the answers) stop being logged. A refused delete is medium.',
  runbook:
    'Put the logging configuration back (PutModelInvocationLoggingConfiguration with its CloudWatch Logs or S3 destination and text delivery) at once; ask the caller why; review model calls since in CloudTrail.',
  events: {
    sources: [BEDROCK],
    names: ['DeleteModelInvocationLoggingConfiguration', 'PutModelInvocationLoggingConfiguration'],
  },
  reads: ['requestParameters.loggingConfig'],
  dedup: { key: (r) => `${r.awsRegion ?? ''}${failed(r) ? '|attempt' : ''}`, windowSeconds: 3600 },
  evaluate(record): RuleMatch | undefined {
    const attempt = denied(record);
    if (failed(record) && !attempt) return undefined;
    const region = record.awsRegion ?? 'unknown region';
    if (record.eventName === 'PutModelInvocationLoggingConfiguration') {
      if (attempt) return undefined;
      const why = loggingOff(record);
      if (why === undefined) return undefined;
      return {
        severity: 'medium',
        summary: `Bedrock model invocation logging in ${region} turned off (${why}) by ${principalOf(record)}`,
        resource: `bedrock:${record.awsRegion ?? ''}`,
        details: { change: why },
      };
    }
    return {
      severity: attempt ? 'medium' : 'high',
      summary: `${attempt ? 'refused attempt: ' : ''}Bedrock model invocation logging deleted in ${region} by ${principalOf(record)}`,
      resource: `bedrock:${record.awsRegion ?? ''}`,
      details: { attempt },
    };
  },
};
