import { withExternalValidation, type PolicyValidator } from './policyValidation.js';
import type { PrincipalReport } from './reportTypes.js';

/** Parallel validator calls (Access Analyzer's ValidatePolicy allows a few per second). */
const CONCURRENCY = 4;

/**
 * Runs an external validator over recommended policies and merges what it said into each
 * `recommendation.validation`. Once it is unreachable or refuses access, the remaining
 * policies (of this and later batches) get the same note without a call: 500 roles must not
 * wait out 500 timeouts.
 */
export class RecommendationValidator {
  private givenUp: 'unreachable' | 'access denied' | undefined;

  constructor(private readonly validator: PolicyValidator) {}

  async validate(principals: readonly PrincipalReport[]): Promise<void> {
    const pending = principals.filter(
      (p) => p.recommendedPolicy !== null && p.recommendation.validation !== undefined,
    );
    let next = 0;
    const worker = async () => {
      while (next < pending.length) {
        const principal = pending[next++];
        const policy = principal?.recommendedPolicy;
        const base = principal?.recommendation.validation;
        if (principal === undefined || policy == null || base === undefined) continue;
        const result =
          this.givenUp !== undefined
            ? { unavailable: this.givenUp }
            : await this.validator.validate(policy);
        if (
          'unavailable' in result &&
          (result.unavailable === 'unreachable' || result.unavailable === 'access denied')
        )
          this.givenUp = result.unavailable;
        principal.recommendation.validation = withExternalValidation(base, this.validator, result);
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, pending.length) }, worker));
  }
}

/** {@link RecommendationValidator} over one list of principals. */
export async function validateRecommendations(
  principals: readonly PrincipalReport[],
  validator: PolicyValidator,
): Promise<void> {
  await new RecommendationValidator(validator).validate(principals);
}
