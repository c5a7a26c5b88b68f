import type { CloudTrailRecord } from '../record.js';
import type { Rule, RuleMatch, Severity } from '../types.js';
import { byAutomation } from './lastState.js';
import { denied, failed, isTrustedAccount, param, principalOf, str } from './support.js';

/** Route 53 Domains' CloudTrail event source (the API is served from us-east-1 only). */
export const ROUTE53_DOMAINS = 'route53domains.amazonaws.com';

/**
 * What each call does to who controls a registered domain, and how bad it is when unplanned.
 * The domain may be the one a gateway's JWT issuer (discovery URL, JWKS) or a target's API
 * lives on: whoever controls its DNS can serve their own keys and mint tokens the gateway
 * accepts.
 */
const OPERATIONS: Record<string, { verb: string; severity: Severity }> = {
  // SigmaHQ aws_route_53_domain_transferred_lock_disabled.
  DisableDomainTransferLock: { verb: 'transfer lock removed', severity: 'medium' },
  // SigmaHQ aws_route_53_domain_transferred_to_another_account.
  TransferDomainToAnotherAwsAccount: {
    verb: 'transfer to another AWS account started',
    severity: 'high',
  },
  // The code another registrar asks for to take the domain.
  RetrieveDomainAuthCode: { verb: 'transfer authorization code retrieved', severity: 'high' },
  UpdateDomainNameservers: { verb: 'name servers changed', severity: 'high' },
  DisassociateDelegationSignerFromDomain: { verb: 'DNSSEC key removed', severity: 'medium' },
  // A key of the caller's in the parent zone: with the name servers, DNS answers they sign.
  AssociateDelegationSignerToDomain: { verb: 'DNSSEC key added', severity: 'medium' },
  // The registrant's e-mail approves a transfer to another registrar.
  UpdateDomainContact: { verb: 'contacts changed', severity: 'medium' },
};

/**
 * A registered domain made transferable or moved: its transfer lock removed, its transfer to
 * another AWS account started, its transfer code retrieved, its name servers changed or its
 * DNSSEC key removed or added, or its contacts changed (SigmaHQ's two Route 53 Domains rules, widened to the other steps of a
 * domain takeover). Record shapes: the Route 53 Domains API's request members, camelCase, as
 * CloudTrail records them (`domainName`, `accountId`, `nameservers`). The responses of
 * TransferDomainToAnotherAwsAccount (`password`) and RetrieveDomainAuthCode (`authCode`) are
 * credentials: never read.
 */
export const route53DomainTakeoverRisk: Rule = {
  id: 'route53-domain-takeover-risk',
  title: 'Route 53 domain made transferable, moved or re-pointed',
  severity: 'high',
  mitre: { tactic: 'Impact', technique: 'T1584.001 Compromise Infrastructure: Domains' },
  description:
    'DisableDomainTransferLock (medium), TransferDomainToAnotherAwsAccount (high; critical to an account outside the trusted ones), RetrieveDomainAuthCode (high: the code lets another registrar take the domain), UpdateDomainNameservers (high: the DNS of every name under the domain moves), DisassociateDelegationSignerFromDomain (medium: DNSSEC off), AssociateDelegationSignerToDomain (medium: a DNSSEC key added), UpdateDomainContact (medium: the registrant e-mail approves a transfer to another registrar). A gateway whose JWT issuer or target API lives under the domain trusts whoever controls it. Made by CloudFormation with a listed role or a configured automation principal: not reported. A refused attempt is low.',
  runbook:
    'Check the change against a planned transfer or DNS move (GetDomainDetail: status, name servers; ListOperations). If unplanned: EnableDomainTransferLock, CancelDomainTransferToAnotherAwsAccount while it is pending, restore the name servers, and rotate the credentials of the caller.',
  events: { sources: [ROUTE53_DOMAINS], names: Object.keys(OPERATIONS) },
  reads: ['requestParameters.domainName', 'requestParameters.accountId'],
  dedup: {
    key: (r) => `${domainOf(r)}|${r.eventName}${failed(r) ? '|attempt' : ''}`,
    windowSeconds: 3600,
  },
  evaluate(record, context): RuleMatch | undefined {
    const operation = OPERATIONS[record.eventName];
    if (operation === undefined) return undefined;
    const attempt = denied(record);
    if (failed(record) && !attempt) return undefined;
    if (!attempt && byAutomation(record, context)) return undefined;
    const domain = domainOf(record);
    const toAccount =
      record.eventName === 'TransferDomainToAnotherAwsAccount'
        ? str(param(record, 'accountId'))
        : undefined;
    const outside =
      toAccount !== undefined &&
      /^\d{12}$/.test(toAccount) &&
      !isTrustedAccount(toAccount, record, context);
    const severity: Severity = attempt ? 'low' : outside ? 'critical' : operation.severity;
    const target = toAccount && /^\d{12}$/.test(toAccount) ? ` to account ${toAccount}` : '';
    return {
      severity,
      summary: `${attempt ? 'refused attempt: ' : ''}domain ${domain || '(unnamed)'}: ${operation.verb}${target}${outside ? ' (outside the trusted accounts)' : ''} by ${principalOf(record)}`,
      resource: domain ? `domain:${domain}` : 'route53domains',
      details: {
        operation: record.eventName,
        attempt,
        ...(target ? { toAccount, outsideTrustedAccounts: outside } : {}),
      },
    };
  },
};

/** The domain named by the request, lower-cased (DNS names are case-insensitive). */
function domainOf(record: CloudTrailRecord): string {
  return (str(param(record, 'domainName')) ?? '').toLowerCase();
}
