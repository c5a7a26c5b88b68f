import type { IamPrincipal } from './iamModel.js';
import { statementCoversAction, type Statement } from './policy.js';
import type { PrincipalReport } from './reportTypes.js';
import type { Add } from './checks.js';

/** The AgentCore service principal execution roles must trust (and only it). */
export const AGENTCORE_SERVICE = 'bedrock-agentcore.amazonaws.com';

/** Execution-role trust: only the AgentCore service, and with the confused-deputy conditions. */
export function checkTrust(iam: IamPrincipal, report: PrincipalReport, add: Add): void {
  const trust = iam.trustPolicy;
  if (trust === undefined) return;
  const allows = trust.statements.filter((s) => s.effect === 'Allow' && assumes(s));
  const others = allows
    .flatMap((s) => trustedPrincipals(s))
    .filter((p) => p !== `Service:${AGENTCORE_SERVICE}`);
  if (others.length > 0) {
    add(
      'trust-not-limited',
      'high',
      report.arn,
      `Execution role ${report.name} can also be assumed by ${[...new Set(others)].join(', ')}. Limit its trust policy to the ${AGENTCORE_SERVICE} service principal.`,
    );
  }
  for (const statement of allows.filter((s) =>
    trustedPrincipals(s).includes(`Service:${AGENTCORE_SERVICE}`),
  )) {
    const problems = ['aws:SourceAccount', 'aws:SourceArn']
      .map((key) => [key, conditionProblem(statement, key, account(report.arn))] as const)
      .filter((entry): entry is readonly [string, string] => entry[1] !== undefined);
    if (problems.length > 0) {
      add(
        'trust-confused-deputy',
        problems.length === 2 ? 'high' : 'medium',
        report.arn,
        `Execution role ${report.name} trusts ${AGENTCORE_SERVICE} with ${problems.map(([k, why]) => `${k} ${why}`).join(' and ')}: a gateway in another account could be configured to use it (confused deputy). Use StringEquals aws:SourceAccount <account> and ArnLike aws:SourceArn arn:aws:bedrock-agentcore:<region>:<account>:gateway/<id>.`,
      );
    }
  }
}

const account = (arn: string) => arn.split(':')[4] ?? '';

/** Operators that enforce a value (IfExists and negations do not tie the caller down). */
const ENFORCING =
  /^(StringEquals|StringEqualsIgnoreCase|StringLike|ArnEquals|ArnLike|ForAnyValue:StringEquals|ForAnyValue:StringLike|ForAllValues:StringEquals|ForAllValues:StringLike)$/i;

/**
 * Why a confused-deputy condition does not hold, or undefined when it does: the key must be
 * present under an enforcing operator, and every value must name a concrete account (an ARN's
 * account field without wildcards; `*` or `?` there lets any account through).
 */
export function conditionProblem(
  statement: Statement,
  key: string,
  ownAccount: string,
): string | undefined {
  const values: string[] = [];
  let present = false;
  for (const [operator, block] of Object.entries(statement.conditions ?? {})) {
    for (const [k, value] of Object.entries(block)) {
      if (k.toLowerCase() !== key.toLowerCase()) continue;
      present = true;
      if (!ENFORCING.test(operator)) return `only under ${operator} (not enforced)`;
      const list = Array.isArray(value) ? value : [value];
      values.push(...list.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))));
    }
  }
  if (!present) return 'missing';
  if (values.length === 0) return 'without a value';
  for (const value of values) {
    const accountPart = key.toLowerCase() === 'aws:sourcearn' ? (value.split(':')[4] ?? '') : value;
    if (accountPart === '' || /[*?$]/.test(accountPart) || !/^\d{12}$/.test(accountPart))
      return `set to "${value}" (any account)`;
    if (
      ownAccount !== '' &&
      accountPart !== ownAccount &&
      key.toLowerCase() === 'aws:sourceaccount'
    )
      return `set to another account (${value})`;
  }
  return undefined;
}

function assumes(statement: Statement): boolean {
  return statementCoversAction(statement, 'sts:AssumeRole');
}

/** `Service:x`, `AWS:arn…`, `Federated:…` for every principal a trust statement names. */
export function trustedPrincipals(statement: Statement): string[] {
  if (statement.notPrincipal) return ['NotPrincipal (everyone else)'];
  return Object.entries(statement.principals ?? {}).flatMap(([kind, values]) =>
    values.map((v) => `${kind}:${v}`),
  );
}

/**
 * True for a role only AWS services can assume (a Lambda's role): source-IP and MFA
 * conditions are for people and pipelines, not for a function's own calls.
 */
export function serviceOnly(iam: IamPrincipal): boolean {
  if (iam.type !== 'role' || iam.trustPolicy === undefined) return false;
  const trusted = iam.trustPolicy.statements
    .filter((s) => s.effect === 'Allow')
    .flatMap((s) => trustedPrincipals(s));
  return trusted.length > 0 && trusted.every((p) => p.startsWith('Service:'));
}

/** True when a trust policy lets the AgentCore service assume the role. */
export function trustsAgentCore(iam: IamPrincipal): boolean {
  return (iam.trustPolicy?.statements ?? []).some(
    (s) =>
      s.effect === 'Allow' &&
      statementCoversAction(s, 'sts:AssumeRole') &&
      trustedPrincipals(s).includes(`Service:${AGENTCORE_SERVICE}`),
  );
}
