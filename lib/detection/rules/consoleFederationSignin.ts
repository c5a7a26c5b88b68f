import type { Rule } from '../types.js';
import {
  consoleLoginOutcome,
  failedAnyway,
  obj,
  principalOf,
  roleNameOf,
  SIGNIN,
  str,
} from './support.js';

/** IAM Identity Center's permission-set roles: their console sessions are the portal's. */
const IDENTITY_CENTER_ROLE = /^AWSReservedSSO_/;

/** What the Identity Center portal sends GetSigninToken with (Panther's and Sigma's exclusions). */
const PORTAL_AGENT = /^(Jersey\/|Go-http-client\/)/;

/**
 * Console sessions made from API credentials: `GetSigninToken` (what aws_consoler and the
 * federation endpoint do: stolen keys become a console session without MFA, and the original
 * key disappears from what the console does) and the `ConsoleLogin` of a federated user or of
 * a role session that came neither through Identity Center nor through SAML.
 */
export const consoleFederationSignin: Rule = {
  id: 'console-federation-signin',
  title: 'Console session made from API credentials',
  severity: 'medium',
  mitre: {
    tactic: 'Lateral Movement',
    technique: 'T1550.001 Use Alternate Authentication Material: Application Access Token',
  },
  description:
    'GetSigninToken called outside the Identity Center portal, or a console sign-in by a federated user (GetFederationToken credentials) or a role session without SAML or Identity Center. High when the caller is a federated user: keys turned into a console session. A role session’s federation sign-in through a custom broker is low.',
  runbook:
    'Find the credentials behind the session (the access key in userIdentity, the GetFederationToken or AssumeRole call that made them); if the tool or address is unknown, revoke the role’s sessions or deactivate the user’s key, and review the console session’s calls.',
  events: { sources: [SIGNIN], names: ['GetSigninToken', 'ConsoleLogin'] },
  reads: ['responseElements', 'errorCode', 'additionalEventData.SamlProviderArn'],
  dedup: { key: (r) => `${principalOf(r)}|${r.eventName}`, windowSeconds: 3600 },
  evaluate(record) {
    const id = record.userIdentity;
    if (id.type !== 'FederatedUser' && id.type !== 'AssumedRole') return undefined;
    const role = roleNameOf(record) ?? '';
    const identityCenter = IDENTITY_CENTER_ROLE.test(role);
    if (record.eventName === 'GetSigninToken') {
      if (failedAnyway(record)) return undefined;
      if (identityCenter && PORTAL_AGENT.test(record.userAgent ?? '')) return undefined;
      const federated = id.type === 'FederatedUser';
      return {
        severity: federated ? 'high' : 'medium',
        summary: `${principalOf(record)} turned its API credentials into a console sign-in token (GetSigninToken, ${record.userAgent ?? 'no user agent'})`,
        resource: principalOf(record),
        details: { identityType: id.type },
        facts: federated ? ['identity=FederatedUser'] : [],
      };
    }
    if (consoleLoginOutcome(record) !== 'Success') return undefined;
    if (identityCenter) return undefined;
    if (str(obj(record.additionalEventData)?.SamlProviderArn) !== undefined) return undefined;
    const federated = id.type === 'FederatedUser';
    return {
      severity: federated ? 'medium' : 'low',
      summary: `${principalOf(record)} signed in to the console with ${federated ? 'GetFederationToken' : 'role session'} credentials (federation endpoint, no SAML or Identity Center)`,
      resource: principalOf(record),
      details: { identityType: id.type },
    };
  },
};
