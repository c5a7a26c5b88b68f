import type { Severity } from '../detection/types.js';
import type { ActionCatalog } from './catalog.js';
import type { Grant } from './granted.js';
import { ESCALATION_METHODS } from './privilegeEscalation.js';
import type { HighRiskGrant, WildcardGrant } from './reportTypes.js';

/** A risky pattern: an action granted on every resource. */
interface RiskPattern {
  riskId: string;
  action: string;
  severity: Severity;
  reason: string;
}

/** Granted on `*`, each of these lets a principal reach far beyond one gateway. */
export const RISK_PATTERNS: readonly RiskPattern[] = [
  {
    riskId: 'passrole-any',
    action: 'iam:PassRole',
    severity: 'high',
    reason: 'can hand any role (including admin roles) to a service it controls',
  },
  {
    riskId: 'secret-read-any',
    action: 'secretsmanager:GetSecretValue',
    severity: 'high',
    reason: 'can read every secret in the account, not only the gateway credentials',
  },
  {
    riskId: 'secret-batch-read-any',
    action: 'secretsmanager:BatchGetSecretValue',
    severity: 'high',
    reason: 'can read secrets in bulk',
  },
  {
    riskId: 'assume-any-role',
    action: 'sts:AssumeRole',
    severity: 'high',
    reason: 'can assume any role that trusts the account',
  },
  {
    riskId: 'policy-write-any',
    action: 'iam:PutRolePolicy',
    severity: 'high',
    reason: 'can grant itself or any role new permissions (privilege escalation)',
  },
  {
    riskId: 'policy-attach-any',
    action: 'iam:AttachRolePolicy',
    severity: 'high',
    reason: 'can attach any managed policy to any role (privilege escalation)',
  },
  {
    riskId: 'policy-version-any',
    action: 'iam:CreatePolicyVersion',
    severity: 'high',
    reason: 'can rewrite any managed policy (privilege escalation)',
  },
  {
    riskId: 'trust-write-any',
    action: 'iam:UpdateAssumeRolePolicy',
    severity: 'high',
    reason: 'can change who may assume any role',
  },
  {
    riskId: 'kms-decrypt-any',
    action: 'kms:Decrypt',
    severity: 'medium',
    reason: 'can decrypt with every key whose policy delegates to IAM',
  },
  {
    riskId: 'apikey-any',
    action: 'bedrock-agentcore:GetResourceApiKey',
    severity: 'high',
    reason: 'can fetch the API key of every credential provider in the token vault',
  },
  {
    riskId: 'oauth-token-any',
    action: 'bedrock-agentcore:GetResourceOauth2Token',
    severity: 'high',
    reason: 'can obtain OAuth tokens from every credential provider',
  },
  {
    riskId: 'gateway-update-any',
    action: 'bedrock-agentcore:UpdateGateway',
    severity: 'medium',
    reason: 'can change the authorizer of every gateway (e.g. set it to NONE)',
  },
];

const rank: Record<Severity, number> = { info: 0, low: 1, medium: 2, high: 3, critical: 4 };
const byRank: Severity[] = ['info', 'low', 'medium', 'high', 'critical'];

/** One severity lower (conditions narrow a grant; they do not remove it). */
export function lower(severity: Severity): Severity {
  return byRank[Math.max(0, rank[severity] - 1)] ?? 'info';
}

function onEveryResource(grant: Grant): boolean {
  return grant.notResource || grant.resources.includes('*');
}

/** Risky grants of a principal; severities are decided by the caller's check. */
export async function findHighRiskGrants(
  grants: readonly Grant[],
  catalog: ActionCatalog,
  /** Effectively allowed actions: a grant cut by a Deny or the boundary is not a risk. */
  allowed?: ReadonlySet<string>,
): Promise<(HighRiskGrant & { severity: Severity })[]> {
  const out: (HighRiskGrant & { severity: Severity })[] = [];
  const agentcore = (await catalog.actionsOf('bedrock-agentcore')) ?? [];
  for (const grant of grants) {
    const conditional = grant.conditions !== undefined;
    const actions = new Set(
      allowed === undefined ? grant.actions : grant.actions.filter((a) => allowed.has(a)),
    );
    const everything = grant.actionPatterns.includes('*') && !grant.notAction;
    if (everything && actions.size === grant.actions.length && onEveryResource(grant)) {
      out.push({
        riskId: 'full-admin',
        action: '*',
        resources: grant.resources,
        ...(grant.notResource ? { notResource: true } : {}),
        policy: grant.policy,
        conditional,
        severity: conditional ? 'high' : 'critical',
        reason: 'grants every action on every resource (administrator)',
      });
      continue;
    }
    if (agentcore.length > 0 && agentcore.every((a) => actions.has(a))) {
      out.push({
        riskId: 'agentcore-all',
        action: 'bedrock-agentcore:*',
        resources: grant.resources,
        ...(grant.notResource ? { notResource: true } : {}),
        policy: grant.policy,
        conditional,
        severity: conditional ? 'medium' : 'high',
        reason: 'grants every AgentCore action (gateways, identities, token vault, runtimes)',
      });
    }
    if (!onEveryResource(grant)) continue;
    for (const risk of RISK_PATTERNS) {
      if (!actions.has(risk.action)) continue;
      out.push({
        riskId: risk.riskId,
        action: risk.action,
        resources: grant.resources,
        ...(grant.notResource ? { notResource: true } : {}),
        policy: grant.policy,
        conditional,
        severity: conditional ? lower(risk.severity) : risk.severity,
        reason: risk.reason,
      });
    }
  }
  if (!out.some((r) => r.riskId === 'full-admin')) out.push(...findEscalations(grants, allowed));
  return mergeByRisk(out);
}

/**
 * One entry per risk, naming every policy that grants it (a risk granted by two policies, or
 * by the same policy attached twice or through a group, is one finding, not several).
 */
function mergeByRisk<T extends HighRiskGrant & { severity: Severity }>(risks: T[]): T[] {
  const byId = new Map<string, T>();
  for (const risk of risks) {
    const seen = byId.get(risk.riskId);
    if (seen === undefined) {
      byId.set(risk.riskId, { ...risk });
      continue;
    }
    const policies = new Set([...seen.policy.split(', '), ...risk.policy.split(', ')]);
    seen.policy = [...policies].sort().join(', ');
    seen.resources = [...new Set([...seen.resources, ...risk.resources])];
    // Unconditional wins: one unconditional grant is enough for the full risk.
    if (!risk.conditional && seen.conditional) {
      seen.conditional = false;
      seen.severity = risk.severity;
    }
  }
  return [...byId.values()];
}

const SINGLE_RISK_ACTIONS = new Set(RISK_PATTERNS.map((r) => r.action));
/** Methods not already reported as a single-action risk pattern (same finding ids as before). */
const METHODS = ESCALATION_METHODS.filter(
  (m) => !(m.actions.length === 1 && SINGLE_RISK_ACTIONS.has(m.actions[0] ?? '')),
);
const METHOD_ACTIONS = new Set(METHODS.flatMap((m) => m.actions));

/**
 * Privilege-escalation methods the principal holds: every action of a method allowed on every
 * resource, across all its policies (the pieces may come from different statements).
 */
function findEscalations(
  grants: readonly Grant[],
  allowed: ReadonlySet<string> | undefined,
): (HighRiskGrant & { severity: Severity })[] {
  const onStar = new Map<string, Grant[]>();
  for (const grant of grants) {
    if (!onEveryResource(grant)) continue;
    for (const action of grant.actions) {
      if (!METHOD_ACTIONS.has(action) || (allowed !== undefined && !allowed.has(action))) continue;
      const list = onStar.get(action);
      if (list === undefined) onStar.set(action, [grant]);
      else list.push(grant);
    }
  }
  const out: (HighRiskGrant & { severity: Severity })[] = [];
  for (const m of METHODS) {
    const covering = m.actions.map((a) => onStar.get(a));
    if (covering.some((c) => c === undefined)) continue;
    const holders = covering as Grant[][];
    // Conditional when some piece is only granted under conditions.
    const conditional = holders.some((list) => list.every((g) => g.conditions !== undefined));
    const policies = [...new Set(holders.flatMap((list) => list.map((g) => g.policy)))].sort();
    const first = holders[0]?.[0];
    out.push({
      riskId: `privesc-${m.id}`,
      action: m.actions.join(' + '),
      resources: first?.resources ?? ['*'],
      ...(first?.notResource === true ? { notResource: true } : {}),
      policy: policies.join(', '),
      conditional,
      severity: conditional ? lower(m.severity) : m.severity,
      reason: `${m.reason} (privilege escalation)`,
    });
  }
  return out;
}

/**
 * Wildcard grants: action wildcards and NotAction always; `Resource: "*"` only when some
 * granted action could have been scoped to a resource (list calls cannot).
 */
export async function findWildcardGrants(
  grants: readonly Grant[],
  catalog: ActionCatalog,
  /** Effectively allowed actions: a grant fully cut by a Deny or the boundary is no finding. */
  allowed?: ReadonlySet<string>,
): Promise<WildcardGrant[]> {
  const out: WildcardGrant[] = [];
  for (const grant of grants) {
    if (allowed !== undefined && !grant.actions.some((a) => allowed.has(a))) continue;
    const actionWild = grant.notAction || grant.actionPatterns.some((p) => /[*?]/.test(p));
    let resourceWild = false;
    if (grant.notResource || grant.resources.includes('*')) {
      for (const action of grant.actions) {
        if ((await catalog.isResourceless(action)) === false) {
          resourceWild = true;
          break;
        }
      }
    }
    if (!actionWild && !resourceWild) continue;
    const wildcard: WildcardGrant = {
      policy: grant.policy,
      actions: grant.actionPatterns,
      notAction: grant.notAction,
      resources: grant.resources,
      notResource: grant.notResource,
      kind: actionWild && resourceWild ? 'action+resource' : actionWild ? 'action' : 'resource',
      expandedCount: grant.actions.length,
      conditional: grant.conditions !== undefined,
    };
    if (grant.sid !== undefined) wildcard.sid = grant.sid;
    out.push(wildcard);
  }
  return out;
}
