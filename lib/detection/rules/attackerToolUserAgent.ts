import { toolOf } from '../tooling.js';
import type { Rule } from '../types.js';
import { principalOf, stableCaller, viaAwsService } from './support.js';

/**
 * A call made with attacker tooling (Kali/Parrot/Pentoo builds, Pacu, TruffleHog, S3 Browser)
 * or a cloud auditing scanner. On its own medium (low for scanners); the engine also raises by
 * one step every other finding of the same principal for a day (see engine.ts).
 */
export const attackerToolUserAgent: Rule = {
  id: 'attacker-tool-user-agent',
  title: 'Call made with attacker or scanning tooling',
  severity: 'medium',
  mitre: { tactic: 'Discovery', technique: 'T1580 Cloud Infrastructure Discovery' },
  description:
    'The user agent names a penetration-testing distribution (Kali, Parrot, Pentoo: GuardDuty PenTest:IAMUser findings), Pacu, TruffleHog, S3 Browser (medium) or a cloud auditing scanner such as ScoutSuite or CloudSploit (low). Other findings of the same principal are raised one step for 24 hours.',
  runbook:
    'Ask the principal’s owner whether a penetration test or audit is under way; if not, treat the credentials as stolen: deactivate them and review every call made with them.',
  dedup: {
    key: (r) => `${stableCaller(r)}|${toolOf(r.userAgent)?.tool ?? ''}`,
    windowSeconds: 86_400,
  },
  group: false,
  reads: [],
  evaluate(record) {
    const signal = toolOf(record.userAgent);
    if (signal === undefined || viaAwsService(record)) return undefined;
    return {
      severity: signal.kind === 'offensive' ? 'medium' : 'low',
      summary: `${principalOf(record)} called ${record.eventSource} ${record.eventName} with ${signal.tool}`,
      resource: stableCaller(record),
      details: { tool: signal.tool, kind: signal.kind },
      facts: [`tool=${signal.tool}`],
    };
  },
};
