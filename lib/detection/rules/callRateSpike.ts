import type { Rule } from '../types.js';
import { AGENTCORE, IAM, SECRETS, principalOf, stableCaller, viaAwsService } from './support.js';

/** A principal's hourly call rate against the gateway surface far above its trailing day. */
export const callRateSpike: Rule = {
  id: 'call-rate-spike',
  title: 'Call-rate spike by a principal',
  severity: 'medium',
  mitre: { tactic: 'Discovery', technique: 'T1580 Cloud Infrastructure Discovery' },
  description:
    'A principal made at least 100 AgentCore/IAM/Secrets Manager calls in one hour and at least 5× its hourly mean over the hours it was observed in the previous 24 (from its oldest active hour: a principal first seen an hour ago is compared with that hour, not with a day).',
  runbook:
    'Look at what the principal called in that hour; enumeration of gateways, roles or secrets by an unusual principal deserves containment.',
  events: { sources: [AGENTCORE, IAM, SECRETS] },
  threshold: {
    key: stableCaller,
    threshold: 100,
    windowSeconds: 3600,
    spike: { trailingWindows: 24, factor: 5 },
  },
  reads: [],
  dedup: { key: stableCaller, windowSeconds: 3600 },
  evaluate(record) {
    // A CloudFormation or CDK deployment issues hundreds of calls through the service.
    if (viaAwsService(record)) return undefined;
    // Data events (InvokeGateway, object reads) have their own volume; this is about management.
    if (record.managementEvent === false || record.eventCategory === 'Data') return undefined;
    return { summary: `${principalOf(record)} call rate spiked (${record.eventSource})` };
  },
};
