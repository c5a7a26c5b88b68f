import type { Rule, RuleMatch } from '../types.js';
import { byAutomation } from './lastState.js';
import { denied, failed, principalOf } from './support.js';

/**
 * IAM Identity Center's identity source: the event names SigmaHQ's aws_sso_idp_change rule
 * watches (rules/cloud/aws/cloudtrail/aws_sso_idp_change.yml, after the Identity Center user
 * guide's CloudTrail page), recorded under sso-directory or sso.
 */
const CHANGES: Record<string, string> = {
  AssociateDirectory: 'identity source associated',
  DisassociateDirectory: 'identity source disassociated',
  EnableExternalIdPConfigurationForDirectory: 'external identity provider enabled',
  DisableExternalIdPConfigurationForDirectory: 'external identity provider disabled',
};

/**
 * IAM Identity Center's identity source switched: whoever controls the new source signs in as
 * any of its users, with every permission set they are assigned, in every account.
 */
export const identityCenterSourceChanged: Rule = {
  id: 'identity-center-source-changed',
  title: 'IAM Identity Center identity source or external IdP changed',
  severity: 'high',
  mitre: {
    tactic: 'Persistence',
    technique: 'T1484.002 Domain or Tenant Policy Modification: Trust Modification',
  },
  description:
    'AssociateDirectory, DisassociateDirectory, Enable/DisableExternalIdPConfigurationForDirectory: Identity Center now authenticates its users somewhere else. Made by CloudFormation or a configured automation principal: not reported. A refused attempt is medium.',
  runbook:
    'Check the identity source in the Identity Center console (Settings → Identity source) against what was approved; switch it back if not; review sign-ins to the access portal and the permission sets used since.',
  events: {
    sources: ['sso-directory.amazonaws.com', 'sso.amazonaws.com'],
    names: Object.keys(CHANGES),
  },
  reads: [],
  dedup: { key: (r) => `${r.eventName}${failed(r) ? '|attempt' : ''}`, windowSeconds: 3600 },
  evaluate(record, context): RuleMatch | undefined {
    const attempt = denied(record);
    if (failed(record) && !attempt) return undefined;
    const what = CHANGES[record.eventName];
    if (what === undefined) return undefined;
    if (!attempt && byAutomation(record, context)) return undefined;
    return {
      severity: attempt ? 'medium' : 'high',
      summary: `${attempt ? 'refused attempt: ' : ''}Identity Center ${what} by ${principalOf(record)}`,
      resource: `identitycenter:${record.awsRegion ?? ''}`,
      details: { change: record.eventName, attempt },
    };
  },
};
