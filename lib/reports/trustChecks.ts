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
    const keys = new Set(
      Object.values(statement.conditions ?? {}).flatMap((block) =>
        Object.keys(block).map((k) => k.toLowerCase()),
      ),
    );
    const missing = ['aws:SourceAccount', 'aws:SourceArn'].filter(
      (k) => !keys.has(k.toLowerCase()),
    );
    if (missing.length > 0) {
      add(
        'trust-confused-deputy',
        missing.length === 2 ? 'high' : 'medium',
        report.arn,
        `Execution role ${report.name} trusts ${AGENTCORE_SERVICE} without ${missing.join(' and ')}: any gateway in any account could be configured to use it (confused deputy). Add StringEquals aws:SourceAccount and ArnLike aws:SourceArn arn:aws:bedrock-agentcore:<region>:<account>:gateway/<id>.`,
      );
    }
  }
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
