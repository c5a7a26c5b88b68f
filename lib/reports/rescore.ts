import type { ActionCatalog } from './catalog.js';
import { computeGranted, type ActionExpander } from './granted.js';
import type { IamPrincipal } from './iamModel.js';
import { parsePolicyDocument } from './policy.js';
import type { RecommendedPolicy, ResidualRisk } from './reportTypes.js';
import { riskCategories } from './riskCategories.js';
import { findHighRiskGrants } from './risks.js';

/**
 * The recommended policy judged by the same risk checks as the principal's current policies,
 * under the same permissions boundary, before anyone is told to apply it: what risk it still
 * carries, and — for an idle principal — the data actions it keeps on every resource only
 * because the trail cannot show their use.
 */
export async function rescoreRecommendation(
  principal: IamPrincipal,
  policy: RecommendedPolicy,
  /** Idle principals: the actions kept only because the trail cannot show their use. */
  idleKept: readonly string[],
  expander: ActionExpander,
  catalog: ActionCatalog,
): Promise<ResidualRisk | undefined> {
  const candidate: IamPrincipal = {
    ...principal,
    policies: [
      {
        kind: 'inline',
        name: 'recommended',
        document: parsePolicyDocument(policy, `the recommended policy of ${principal.arn}`),
      },
    ],
    inputGaps: [],
  };
  const granted = await computeGranted(candidate, expander);
  const highRisk = [
    ...new Set(
      (await findHighRiskGrants(granted.grants, catalog, granted.allowed)).map((r) => r.riskId),
    ),
  ].sort();
  const categories = await riskCategories(candidate, granted.grants, granted.allowed, catalog);
  const kept = new Set(idleKept);
  const idleDataOnStar = [
    ...new Set(
      granted.grants
        .filter((g) => g.notResource || g.resources.includes('*'))
        .flatMap((g) => g.actions)
        .filter((a) => kept.has(a) && granted.allowed.has(a)),
    ),
  ].sort();
  if (highRisk.length === 0 && categories.length === 0 && idleDataOnStar.length === 0)
    return undefined;
  return {
    highRisk,
    categories: categories.map((c) => ({ category: c.category, items: c.items })),
    idleDataOnStar,
  };
}
