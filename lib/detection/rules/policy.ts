import type { CloudTrailRecord } from '../record.js';
import type { DetectionContext } from '../types.js';
import { AGENTCORE, accountOfArn, isTrustedAccount, obj, strings } from './support.js';

/**
 * IAM policy documents as CloudTrail logs them (JSON strings, sometimes URL-encoded): their
 * statements, the principals a trust policy admits, admin-equivalent grants.
 */
export interface PolicyStatement {
  Effect?: unknown;
  Action?: unknown;
  NotAction?: unknown;
  Resource?: unknown;
  Principal?: unknown;
  Condition?: unknown;
}

/**
 * Statements of a policy document as CloudTrail logs it: a JSON string (sometimes
 * URL-encoded), or already an object. Unparseable documents yield no statements.
 */
export function policyStatements(document: unknown): PolicyStatement[] {
  let doc: unknown = document;
  if (typeof doc === 'string') {
    let text = doc.trim();
    if (text.startsWith('%7B') || text.startsWith('%7b')) {
      try {
        text = decodeURIComponent(text);
      } catch {
        return [];
      }
    }
    try {
      doc = JSON.parse(text);
    } catch {
      return [];
    }
  }
  const statement = obj(doc)?.Statement;
  const list = Array.isArray(statement) ? statement : [statement];
  return list.filter((s): s is PolicyStatement => obj(s) !== undefined);
}

/** A principal named in a trust policy. */
export interface TrustedPrincipal {
  kind: 'AWS' | 'Service' | 'Federated' | 'CanonicalUser' | '*';
  value: string;
}

/** Principals allowed by a trust policy (Allow statements only). */
export function trustedPrincipals(document: unknown): TrustedPrincipal[] {
  const out: TrustedPrincipal[] = [];
  for (const statement of policyStatements(document)) {
    if (statement.Effect !== 'Allow') continue;
    const principal = statement.Principal;
    if (principal === '*') {
      out.push({ kind: '*', value: '*' });
      continue;
    }
    const o = obj(principal);
    if (o === undefined) continue;
    for (const kind of ['AWS', 'Service', 'Federated', 'CanonicalUser'] as const) {
      for (const value of strings(o[kind])) out.push({ kind: value === '*' ? '*' : kind, value });
    }
  }
  return out;
}

/** Account of an AWS principal (`123456789012`, `arn:aws:iam::123456789012:root`, …). */
export function accountOfPrincipal(value: string): string | undefined {
  if (/^\d{12}$/.test(value)) return value;
  return accountOfArn(value);
}

/** True for a trust policy trusting the AgentCore service. */
export function trustsAgentCore(document: unknown): boolean {
  return trustedPrincipals(document).some((p) => p.kind === 'Service' && p.value === AGENTCORE);
}

/** Lower-cased condition keys of a statement (`token.actions.githubusercontent.com:sub`, …). */
function conditionKeys(statement: PolicyStatement): string[] {
  const keys: string[] = [];
  for (const operator of Object.values(obj(statement.Condition) ?? {})) {
    for (const key of Object.keys(obj(operator) ?? {})) keys.push(key.toLowerCase());
  }
  return keys;
}

/**
 * OIDC federation open to anyone the provider issues tokens to: no condition on the token's
 * subject (or, except for GitHub, its audience). `token.actions.githubusercontent.com` without
 * a `:sub` condition lets every GitHub repository assume the role.
 */
export function unscopedFederation(document: unknown): string[] {
  const out: string[] = [];
  for (const statement of policyStatements(document)) {
    if (statement.Effect !== 'Allow') continue;
    const keys = conditionKeys(statement);
    for (const value of strings(obj(statement.Principal)?.Federated)) {
      if (value.includes(':saml-provider/')) continue;
      const host = (value.split(':oidc-provider/')[1] ?? value).toLowerCase();
      const github = host === 'token.actions.githubusercontent.com';
      const scoped = keys.some(
        (key) => key === `${host}:sub` || (!github && key === `${host}:aud`),
      );
      if (!scoped) out.push(`${host} (any ${github ? 'repository' : 'subject'})`);
    }
  }
  return out;
}

/**
 * Principals of a trust policy outside the home and trusted accounts, plus `*`
 * (with or without conditions — a condition narrows `*` but still deserves a look), plus OIDC
 * federation without a subject condition.
 */
export function externalPrincipals(
  document: unknown,
  record: CloudTrailRecord,
  context: DetectionContext,
): string[] {
  const out: string[] = [];
  for (const principal of trustedPrincipals(document)) {
    if (principal.kind === '*') out.push('*');
    else if (principal.kind === 'AWS') {
      // IAM shows a deleted principal by its unique id (AROA…/AIDA…): nobody can use it.
      if (/^A(ROA|IDA)[A-Z0-9]{12,}$/.test(principal.value)) continue;
      const account = accountOfPrincipal(principal.value);
      if (account === undefined || !isTrustedAccount(account, record, context)) {
        out.push(principal.value);
      }
    }
  }
  out.push(...unscopedFederation(document));
  return out;
}

/** True when a statement allows every action (`*`) or every action of a service on `*`. */
export function isAdminStatement(statement: PolicyStatement): boolean {
  if (statement.Effect !== 'Allow') return false;
  const resources = strings(statement.Resource);
  const onEverything = resources.includes('*');
  if (statement.NotAction !== undefined && onEverything) return true;
  const actions = strings(statement.Action);
  if (actions.includes('*')) return true;
  return (
    onEverything &&
    actions.some((a) => /^(iam|sts|secretsmanager|bedrock-agentcore|kms):\*$/i.test(a))
  );
}

/** Name of a managed policy that grants admin-equivalent power. */
export function isAdminManagedPolicy(policyArn: string): boolean {
  return /:policy\/(AdministratorAccess|IAMFullAccess|PowerUserAccess|SecretsManagerReadWrite|BedrockAgentCoreFullAccess)$/.test(
    policyArn,
  );
}

/**
 * Who a resource policy's Allow statements let in beyond trusted accounts: `anyone` when a `*`
 * principal's statement is not pinned down (`pinned` judges its condition, per rule), and the
 * AWS principals of other accounts. Service principals are AWS's own and never count.
 */
export function policyOpenings(
  document: unknown,
  record: CloudTrailRecord,
  context: DetectionContext,
  pinned: (condition: unknown) => boolean,
): { anyone: boolean; principals: string[] } {
  let anyone = false;
  const principals = new Set<string>();
  for (const statement of policyStatements(document)) {
    if (statement.Effect !== 'Allow') continue;
    const principal = statement.Principal;
    for (const value of principal === '*' ? ['*'] : strings(obj(principal)?.AWS)) {
      if (value === '*') {
        if (!pinned(statement.Condition)) anyone = true;
        continue;
      }
      const account = accountOfPrincipal(value);
      if (account === undefined || !isTrustedAccount(account, record, context))
        principals.add(value);
    }
  }
  return { anyone, principals: [...principals] };
}
