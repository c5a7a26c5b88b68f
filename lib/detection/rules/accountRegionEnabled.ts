import type { Rule, RuleMatch } from '../types.js';
import { byAutomation } from './lastState.js';
import { denied, failed, param, principalOf, str } from './support.js';

/**
 * An opt-in Region enabled (SigmaHQ aws_cloudtrail_enable_region; Account Management's
 * EnableRegion, recorded in us-east-1 as a global-service event with `regionName`). A Region
 * nobody uses is a Region nobody watches: trails, detect rules and GuardDuty are set up per
 * Region, so resources started there can stay unseen.
 */
export const accountRegionEnabled: Rule = {
  id: 'account-region-enabled',
  title: 'Opt-in Region enabled',
  severity: 'medium',
  mitre: { tactic: 'Defense Evasion', technique: 'T1535 Unused/Unsupported Cloud Regions' },
  description:
    'EnableRegion (Account Management): a new Region accepts resources, while monitoring is set up Region by Region. Made by CloudFormation with a listed role or a configured automation principal: not reported. A refused attempt is low.',
  runbook:
    'Confirm the Region was requested; if not, disable it (DisableRegion) after checking for resources started there; otherwise extend the trail, GuardDuty and the gatewarden forwarder to it before use.',
  events: { sources: ['account.amazonaws.com'], names: ['EnableRegion'] },
  reads: ['requestParameters.accountId', 'requestParameters.regionName'],
  dedup: {
    key: (r) =>
      `${str(param(r, 'accountId')) ?? ''}|${str(param(r, 'regionName')) ?? ''}${failed(r) ? '|attempt' : ''}`,
    windowSeconds: 86_400,
  },
  evaluate(record, context): RuleMatch | undefined {
    const attempt = denied(record);
    if (failed(record) && !attempt) return undefined;
    if (!attempt && byAutomation(record, context)) return undefined;
    const region = str(param(record, 'regionName')) ?? 'unknown';
    const account = str(param(record, 'accountId'));
    return {
      severity: attempt ? 'low' : 'medium',
      summary: `${attempt ? 'refused attempt: ' : ''}Region ${region} enabled${account ? ` in account ${account}` : ''} by ${principalOf(record)}`,
      resource: `region:${region}`,
      details: { region, attempt },
    };
  },
};
