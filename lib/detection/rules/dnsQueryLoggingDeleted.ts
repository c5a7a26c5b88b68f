import type { Rule, RuleMatch } from '../types.js';
import { shown } from './lastState.js';
import { denied, failed, param, principalOf, str } from './support.js';

/**
 * Route 53 Resolver query logging removed: DNS lookups from the VPC (a compromised workload
 * resolving its command-and-control or exfiltration host) are no longer recorded. Stratus Red
 * Team's aws.defense-evasion.dns-delete-logs does exactly this: disassociate, then delete.
 */
export const dnsQueryLoggingDeleted: Rule = {
  id: 'dns-query-logging-deleted',
  title: 'Route 53 Resolver query logging deleted or detached',
  severity: 'medium',
  mitre: { tactic: 'Defense Evasion', technique: 'T1562.008 Disable or Modify Cloud Logs' },
  description:
    'DeleteResolverQueryLogConfig or DisassociateResolverQueryLogConfig: a VPC’s DNS queries stop being logged. A refused attempt is low.',
  runbook:
    'Recreate the query logging configuration and associate it with the VPC again; ask the caller why; look at the VPC’s workloads for activity since.',
  events: {
    sources: ['route53resolver.amazonaws.com'],
    names: ['DeleteResolverQueryLogConfig', 'DisassociateResolverQueryLogConfig'],
  },
  reads: ['requestParameters.resolverQueryLogConfigId', 'requestParameters.resourceId'],
  dedup: {
    key: (r) =>
      `${str(param(r, 'resolverQueryLogConfigId')) ?? ''}|${r.eventName}${failed(r) ? '|attempt' : ''}`,
    windowSeconds: 3600,
  },
  evaluate(record): RuleMatch | undefined {
    const attempt = denied(record);
    if (failed(record) && !attempt) return undefined;
    const config = str(param(record, 'resolverQueryLogConfigId')) ?? 'unknown';
    const vpc = str(param(record, 'resourceId'));
    const what =
      record.eventName === 'DeleteResolverQueryLogConfig'
        ? `query logging configuration ${shown(config)} deleted`
        : `query logging ${shown(config)} detached from ${shown(vpc ?? 'a VPC')}`;
    return {
      severity: attempt ? 'low' : 'medium',
      summary: `${attempt ? 'refused attempt: ' : ''}Route 53 Resolver ${what} by ${principalOf(record)}`,
      resource: config,
      details: { attempt },
    };
  },
};
