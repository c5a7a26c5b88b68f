import { AccessAnalyzerClient } from '@aws-sdk/client-accessanalyzer';
import { AccessAnalyzerGuardrailValidator } from '../../../lib/aws/accessAnalyzerValidator.js';
import { checkGuardrail, guardrails } from '../../../lib/guardrails/index.js';
import { testClientConfig } from '../../support/localStack.js';

/**
 * The guardrails through the real SDK's ValidatePolicy, each as the SCP or RCP it is. moto has
 * no Access Analyzer: the local stack answers with its STAND-IN (local/standin/accessAnalyzer.ts),
 * a few real checks in the real wire format, not AWS's validator. Tested here: the adapter's
 * request and answer, and the offline-only verdict when nothing answers.
 */
describe('gatewarden guardrails through Access Analyzer ValidatePolicy (stand-in)', () => {
  // Every statement written: exempt principals (the WAF tag and exempt-name statements) too.
  const all = guardrails({
    stage: 'prod',
    gatewayRoles: ['arn:aws:iam::*:role/gw-*'],
    exemptPrincipals: ['arn:aws:iam::*:role/platform-pipeline', 'arn:aws:iam::*:user/break-glass'],
    requirePolicyEngine: true,
  });

  it('validates every generated document, SCPs and the RCP, with no finding', async () => {
    const validator = new AccessAnalyzerGuardrailValidator(
      new AccessAnalyzerClient(testClientConfig()),
    );
    for (const guardrail of all) {
      const check = await checkGuardrail(guardrail, validator);
      expect([guardrail.name, check.remote, check.problems]).toEqual([
        guardrail.name,
        'validated',
        [],
      ]);
    }
    expect(all.map((g) => g.kind)).toContain('RESOURCE_CONTROL_POLICY');
  });

  it('refuses a document the validator finds an error in', async () => {
    const validator = new AccessAnalyzerGuardrailValidator(
      new AccessAnalyzerClient(testClientConfig()),
    );
    const answer = await validator.validate('{"Statement":[]}', 'SERVICE_CONTROL_POLICY');
    expect(answer).toEqual({
      findings: [expect.objectContaining({ type: 'ERROR', code: 'MISSING_VERSION' })],
    });
  });

  it('says "unreachable" when nothing answers, so the CLI reports offline checks only', async () => {
    const validator = new AccessAnalyzerGuardrailValidator(
      new AccessAnalyzerClient({
        ...testClientConfig(),
        endpoint: 'http://127.0.0.1:9',
        maxAttempts: 1,
      }),
    );
    const [first] = all;
    if (first === undefined) throw new Error('no guardrail');
    expect((await checkGuardrail(first, validator)).remote).toEqual({ unavailable: 'unreachable' });
  });
});
