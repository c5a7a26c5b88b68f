import { unavailableReason } from '../../../lib/aws/accessAnalyzerValidator.js';
import { validateRecommendations } from '../../../lib/reports/externalValidation.js';
import {
  MemoryPolicyValidator,
  validatePolicy,
  withExternalValidation,
  type PolicyCheckFinding,
} from '../../../lib/reports/policyValidation.js';
import type { PrincipalReport, RecommendedPolicy } from '../../../lib/reports/reportTypes.js';

/** External policy validation (Access Analyzer's port) merged into recommendations. */
const policy: RecommendedPolicy = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: ['s3:GetObject'], Resource: ['arn:aws:s3:::b/*'] }],
};
const principal = (name: string): PrincipalReport =>
  ({
    name,
    recommendedPolicy: policy,
    recommendation: { status: 'recommended', validation: validatePolicy(policy) },
  }) as unknown as PrincipalReport;
const finding = (type: PolicyCheckFinding['type'], code: string): PolicyCheckFinding => ({
  type,
  code,
  message: 'm',
});

describe('withExternalValidation', () => {
  const base = validatePolicy(policy);
  const v = { name: 'access-analyzer', label: 'Access Analyzer' };

  it('makes the policy invalid on an ERROR and lists the other types as warnings', () => {
    const merged = withExternalValidation(base, v, {
      findings: [finding('ERROR', 'MISSING_VERSION'), finding('SUGGESTION', 'REDUNDANT_ACTION')],
    });
    expect(merged).toMatchObject({
      valid: false,
      validators: ['grammar', 'access-analyzer'],
      errors: ['access-analyzer ERROR MISSING_VERSION: m'],
      warnings: ['access-analyzer SUGGESTION REDUNDANT_ACTION: m'],
    });
  });

  it('keeps a policy with only security warnings valid, and says so', () => {
    const merged = withExternalValidation(base, v, {
      findings: [finding('SECURITY_WARNING', 'PASS_ROLE_WITH_STAR_IN_RESOURCE')],
    });
    expect(merged.valid).toBe(true);
    expect(merged.warnings).toHaveLength(1);
  });

  it('notes a validator that did not answer, without listing it as run', () => {
    const merged = withExternalValidation(base, v, { unavailable: 'access denied' });
    expect(merged).toMatchObject({
      valid: true,
      validators: ['grammar'],
      notes: ['not validated by Access Analyzer: access denied'],
    });
  });
});

describe('validateRecommendations', () => {
  it.each(['unreachable', 'access denied'] as const)(
    'stops calling once the validator is %s, and notes it on every policy',
    async (reason) => {
      // Prepare
      const principals = Array.from({ length: 40 }, (_, i) => principal(`r${i}`));
      const validator = new MemoryPolicyValidator(() => ({ unavailable: reason }));
      // Act
      await validateRecommendations(principals, validator);
      // Assess: at most one call per worker, not one per policy.
      expect(validator.seen.length).toBeLessThanOrEqual(4);
      for (const p of principals)
        expect(p.recommendation.validation?.notes).toEqual([
          `not validated by the in-memory validator: ${reason}`,
        ]);
    },
  );

  it('keeps calling after a throttled answer, and skips principals without a policy', async () => {
    // Prepare
    const principals = [principal('a'), principal('b'), principal('c')];
    const idle = { ...principal('idle'), recommendedPolicy: null } as PrincipalReport;
    let calls = 0;
    const validator = new MemoryPolicyValidator(() =>
      calls++ === 0 ? { unavailable: 'throttled' } : { findings: [] },
    );
    // Act
    await validateRecommendations([...principals, idle], validator);
    // Assess
    expect(validator.seen).toHaveLength(3);
    expect(
      principals.filter((p) => p.recommendation.validation?.validators.includes('memory')),
    ).toHaveLength(2);
    expect(idle.recommendation.validation?.validators).toEqual(['grammar']);
  });
});

describe('unavailableReason (Access Analyzer adapter)', () => {
  const error = (name: string, message: string, code?: string) =>
    Object.assign(new Error(message), { name }, code ? { code } : {});
  it.each([
    [
      'a refused connection',
      'unreachable',
      error('Error', 'connect ECONNREFUSED 127.0.0.1:9', 'ECONNREFUSED'),
    ],
    [
      'a wrapped DNS failure',
      'unreachable',
      error('Error', 'AWS SDK error wrapper for Error: getaddrinfo ENOTFOUND h'),
    ],
    ['a timeout', 'unreachable', error('TimeoutError', 'x')],
    ['a refusal', 'access denied', error('AccessDeniedException', 'User: arn:… is not authorized')],
    ['throttling', 'throttled', error('ThrottlingException', 'slow down')],
    ['another failure', 'service error', error('InternalServerException', 'boom')],
  ])('%s is "%s"', (_label, reason, e) => {
    expect(unavailableReason(e)).toBe(reason);
  });
});
