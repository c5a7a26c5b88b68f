import { withExternalValidation, type PolicyValidator } from './policyValidation.js';
import type { PrincipalReport } from './reportTypes.js';

/** Parallel validator calls (Access Analyzer's ValidatePolicy allows a few per second). */
const CONCURRENCY = 4;

/**
 * Runs an external validator over every recommended policy and merges what it said into each
 * `recommendation.validation`. Once it is unreachable or refuses access, the remaining
 * policies get the same note without a call: 500 roles must not wait out 500 timeouts.
 */
export async function validateRecommendations(
  principals: readonly PrincipalReport[],
  validator: PolicyValidator,
): Promise<void> {
  const pending = principals.filter(
    (p) => p.recommendedPolicy !== null && p.recommendation.validation !== undefined,
  );
  let givenUp: 'unreachable' | 'access denied' | undefined;
  let next = 0;
  const worker = async () => {
    while (next < pending.length) {
      const principal = pending[next++];
      const policy = principal?.recommendedPolicy;
      const base = principal?.recommendation.validation;
      if (principal === undefined || policy == null || base === undefined) continue;
      const result =
        givenUp !== undefined ? { unavailable: givenUp } : await validator.validate(policy);
      if (
        'unavailable' in result &&
        (result.unavailable === 'unreachable' || result.unavailable === 'access denied')
      )
        givenUp = result.unavailable;
      principal.recommendation.validation = withExternalValidation(base, validator, result);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, pending.length) }, worker));
}
