import {
  checkGuardrail,
  guardrails,
  type GuardrailPolicyValidator,
  type RemoteFinding,
} from '../../../lib/guardrails/index.js';

/**
 * Each guardrail goes to Access Analyzer ValidatePolicy as the policy type it is attached as;
 * its errors refuse the document, its warnings are shown, and where it cannot be reached the
 * offline checks stand alone and the answer says so. (The port's in-memory stand-in here;
 * lib/aws/accessAnalyzerValidator.ts is the SDK adapter.)
 */
const all = guardrails({ stage: 'prod', gatewayRoles: ['arn:aws:iam::*:role/gw-*'] });
const scp = all.find((g) => g.kind === 'SERVICE_CONTROL_POLICY');
const rcp = all.find((g) => g.kind === 'RESOURCE_CONTROL_POLICY');

function validator(findings: RemoteFinding[]): GuardrailPolicyValidator & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    validate: (policy, kind) => {
      asked.push(kind);
      expect(JSON.parse(policy)).toHaveProperty('Statement');
      return Promise.resolve({ findings });
    },
  };
}

describe('guardrails through Access Analyzer', () => {
  it('validates each document as the SCP or RCP it is', async () => {
    const remote = validator([]);
    if (scp === undefined || rcp === undefined) throw new Error('no guardrails');
    const checks = [await checkGuardrail(scp, remote), await checkGuardrail(rcp, remote)];
    expect(remote.asked).toEqual(['SERVICE_CONTROL_POLICY', 'RESOURCE_CONTROL_POLICY']);
    expect(checks.map((c) => [c.problems, c.remote])).toEqual([
      [[], 'validated'],
      [[], 'validated'],
    ]);
  });

  it('refuses on an error or a security warning, and shows a suggestion', async () => {
    if (scp === undefined) throw new Error('no guardrails');
    const check = await checkGuardrail(
      scp,
      validator([
        { type: 'ERROR', code: 'MISSING_VERSION', message: 'x' },
        { type: 'SECURITY_WARNING', code: 'PASS_ROLE_WITH_STAR_IN_RESOURCE', message: 'y' },
        { type: 'SUGGESTION', code: 'REDUNDANT_ACTION', message: 'z' },
      ]),
    );
    expect(check.problems).toEqual([
      'Access Analyzer ERROR MISSING_VERSION: x',
      'Access Analyzer SECURITY_WARNING PASS_ROLE_WITH_STAR_IN_RESOURCE: y',
    ]);
    expect(check.notes).toEqual(['Access Analyzer SUGGESTION REDUNDANT_ACTION: z']);
  });

  it('says when Access Analyzer was not reached: the offline checks alone, never a silent pass', async () => {
    if (scp === undefined) throw new Error('no guardrails');
    const down: GuardrailPolicyValidator = {
      validate: () => Promise.resolve({ unavailable: 'unreachable' }),
    };
    const check = await checkGuardrail(scp, down);
    expect(check.remote).toEqual({ unavailable: 'unreachable' });
    expect(check.problems).toEqual([]);
    const offline = await checkGuardrail(
      { ...scp, document: { ...scp.document, Statement: [] } },
      down,
    );
    expect(offline.problems).toContain('no statement');
  });
});
