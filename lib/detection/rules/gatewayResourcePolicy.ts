import type { CloudTrailRecord } from '../record.js';
import type { DetectionContext, Rule } from '../types.js';
import { accountOfPrincipal, policyOpenings } from './policy.js';
import {
  AGENTCORE,
  failed,
  isTrustedAccount,
  obj,
  param,
  principalOf,
  str,
  strings,
} from './support.js';

/** Condition keys pinning callers to accounts or an organisation (values are checked). */
const ACCOUNT_KEYS = ['aws:principalaccount', 'aws:sourceaccount', 'aws:principalorgid'];
/** Condition keys pinning callers to principal ARNs (each ARN's account is checked). */
const ARN_KEYS = ['aws:principalarn', 'aws:sourcearn'];
/** Condition keys pinning callers to a network path inside the customer's VPCs. */
const NETWORK_KEYS = ['aws:sourcevpc', 'aws:sourcevpce'];

/**
 * True when a statement's condition narrows a `*` principal to trusted accounts, the
 * organisation (`o-…`), their principals, or the customer's VPCs. Any other condition
 * (aws:SecureTransport, a time window, a user agent) still lets anyone in.
 */
function narrowed(
  condition: unknown,
  record: CloudTrailRecord,
  context: DetectionContext,
): boolean {
  for (const operator of Object.values(obj(condition) ?? {})) {
    for (const [rawKey, value] of Object.entries(obj(operator) ?? {})) {
      const key = rawKey.toLowerCase();
      const values = strings(value);
      if (values.length === 0) continue;
      if (NETWORK_KEYS.includes(key)) return true;
      if (
        ACCOUNT_KEYS.includes(key) &&
        values.every((v) => v.startsWith('o-') || isTrustedAccount(v, record, context))
      ) {
        return true;
      }
      if (
        ARN_KEYS.includes(key) &&
        values.every((v) => {
          const account = accountOfPrincipal(v);
          return account !== undefined && isTrustedAccount(account, record, context);
        })
      ) {
        return true;
      }
    }
  }
  return false;
}

/**
 * Principals a gateway resource policy lets in from outside: `*` (or `{"AWS": "*"}`) without
 * a narrowing condition, and AWS principals of accounts other than the record's own (its
 * recipientAccountId) or a configured trusted account. Service principals are AWS's own.
 */
export function gatewayPolicyOpenedTo(
  document: unknown,
  record: CloudTrailRecord,
  context: DetectionContext,
): { anyone: boolean; accounts: string[] } {
  const { anyone, principals } = policyOpenings(document, record, context, (condition) =>
    narrowed(condition, record, context),
  );
  return { anyone, accounts: principals };
}

/** A resource policy put on (or removed from) an AgentCore gateway. */
export const gatewayResourcePolicy: Rule = {
  id: 'gateway-resource-policy-changed',
  title: 'Gateway resource policy changed',
  severity: 'high',
  mitre: { tactic: 'Persistence', technique: 'T1098 Account Manipulation' },
  description:
    'A resource-based policy on an AgentCore gateway was put or deleted: it decides which principals may invoke or manage the gateway. A policy allowing anyone (`*` without an aws:PrincipalAccount, aws:SourceAccount, aws:PrincipalOrgID, aws:PrincipalArn, aws:SourceArn or aws:SourceVpc(e) condition pinning it to trusted accounts or the VPCs) is critical; one naming another account stays high with that principal as a fact, so it alerts inside the dedup window.',
  runbook:
    'Read the new policy (GetResourcePolicy); remove principals outside the organisation; confirm the change with the gateway owner.',
  events: { sources: [AGENTCORE], names: ['PutResourcePolicy', 'DeleteResourcePolicy'] },
  reads: ['requestParameters.policy', 'requestParameters.resourceArn'],
  dedup: { key: (r) => `${str(param(r, 'resourceArn')) ?? ''}`, windowSeconds: 3600 },
  evaluate(record, context) {
    if (failed(record)) return undefined;
    const arn = str(param(record, 'resourceArn')) ?? 'unknown resource';
    const put = record.eventName === 'PutResourcePolicy';
    const summary = `resource policy ${put ? 'put on' : 'deleted from'} ${arn} by ${principalOf(record)}`;
    // Runtimes take resource policies too; only a gateway's is opened-checked here.
    if (!put || !arn.includes(':gateway/')) return { summary, resource: arn };
    const { anyone, accounts } = gatewayPolicyOpenedTo(param(record, 'policy'), record, context);
    if (!anyone && accounts.length === 0) return { summary, resource: arn };
    const outside = [...(anyone ? ['*'] : []), ...accounts];
    return {
      severity: anyone ? 'critical' : 'high',
      summary: `${summary}, allowing ${outside.join(', ')}`,
      resource: arn,
      details: { principals: outside.join(','), public: anyone },
      facts: outside.map((p) => `principal=${p}`),
    };
  },
};
