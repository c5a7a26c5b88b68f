import type { Rule } from '../types.js';
import { denied, failed, principalOf } from './support.js';

/** Flow log ids anywhere in the request (EC2 logs its query API as nested `content` objects). */
function flowLogIds(requestParameters: unknown): string[] {
  const text = JSON.stringify(requestParameters ?? {});
  return [...new Set(text.match(/\bfl-[0-9a-f]{8,17}\b/g) ?? [])];
}

/** VPC flow logs deleted: network evidence of exfiltration stops being written. */
export const vpcFlowLogsDeleted: Rule = {
  id: 'vpc-flow-logs-deleted',
  title: 'VPC flow logs deleted',
  severity: 'medium',
  mitre: { tactic: 'Defense Evasion', technique: 'T1562.008 Disable or Modify Cloud Logs' },
  description:
    'DeleteFlowLogs: traffic of the VPC (the gateway’s targets, private endpoints) is no longer recorded. A refused attempt is reported at low severity.',
  runbook:
    'Recreate the flow logs (CreateFlowLogs with the previous destination); ask the caller why; review the network activity of the period without logs through other sources.',
  events: { sources: ['ec2.amazonaws.com'], names: ['DeleteFlowLogs'] },
  reads: ['requestParameters.DeleteFlowLogsRequest'],
  dedup: {
    key: (r) => `${flowLogIds(r.requestParameters).join(',')}${failed(r) ? '|attempt' : ''}`,
    windowSeconds: 3600,
  },
  evaluate(record) {
    const ids = flowLogIds(record.requestParameters);
    const attempt = denied(record);
    if (failed(record) && !attempt) return undefined;
    return {
      severity: attempt ? 'low' : 'medium',
      summary: `${attempt ? 'refused attempt to delete' : 'deleted'} flow logs ${ids.join(', ') || 'unknown'} by ${principalOf(record)}`,
      resource: ids[0],
      details: { flowLogs: ids.length, attempt },
    };
  },
};
