import type { CloudTrailRecord } from '../record.js';
import type { Rule } from '../types.js';
import { AGENTCORE, failed, param, principalOf, str, strings } from './support.js';

const NAMES = ['CreateConsentPortal', 'UpdateConsentPortal', 'DeleteConsentPortal'];

function portalOf(record: CloudTrailRecord): string {
  return (
    str(param(record, 'consentPortalIdentifier')) ?? str(param(record, 'name')) ?? 'unknown portal'
  );
}

/**
 * A consent portal: where users grant an agent OAuth access to their accounts, signed in
 * through a credential provider of the token vault and run by an execution role. Who changes
 * it decides which provider, scopes and audience users are asked to consent to.
 */
export const consentPortalChanged: Rule = {
  id: 'consent-portal-changed',
  title: 'Consent portal changed',
  severity: 'medium',
  mitre: { tactic: 'Credential Access', technique: 'T1528 Steal Application Access Token' },
  description:
    'An AgentCore consent portal was created, updated or deleted: the page where users grant OAuth access to agents. Its credential provider, scopes, audience and execution role decide whose tokens the token vault collects; every change is reported (high when the identity provider configuration moves).',
  runbook:
    'Confirm the portal change with its owner; if unplanned, restore the credential provider, scopes and audience, review the execution role, and revoke tokens users granted through the portal since the change.',
  events: { sources: [AGENTCORE], names: NAMES },
  reads: [
    'requestParameters.consentPortalIdentifier',
    'requestParameters.name',
    'requestParameters.executionRoleArn',
    'requestParameters.idpConfig',
  ],
  dedup: { key: (r) => `${principalOf(r)}|${portalOf(r)}`, windowSeconds: 3600 },
  evaluate(record) {
    // Never exempt the rotator: it makes none of these calls, and its name pattern is one
    // anyone allowed to create a role can match.
    if (failed(record)) return undefined;
    const portal = portalOf(record);
    const provider = str(param(record, 'idpConfig', 'credentialProviderArn'));
    const scopes = strings(param(record, 'idpConfig', 'scopes'));
    const role = str(param(record, 'executionRoleArn'));
    const facts = [
      ...(provider ? [`provider=${provider}`] : []),
      ...(role ? [`role=${role}`] : []),
      ...scopes.map((scope) => `scope=${scope}`),
    ];
    return {
      // Pointing users' consent at another identity provider moves whose tokens are collected.
      severity: record.eventName === 'UpdateConsentPortal' && provider ? 'high' : 'medium',
      summary: `${record.eventName} on ${portal} by ${principalOf(record)}${provider ? ` (identity provider ${provider})` : ''}`,
      resource: portal,
      details: {
        operation: record.eventName,
        ...(provider ? { provider } : {}),
        ...(role ? { role } : {}),
      },
      facts,
    };
  },
};
