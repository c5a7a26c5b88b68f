import {
  checkovResult,
  guardResult,
  type CheckovReport,
  type GuardReport,
  type Template,
} from '../../../scripts/auditTemplate.js';

/** A not-compliant rule as `cfn-guard validate --structured` nests it (trimmed). */
function guardFinding(rule: string, control: string, ...resources: string[]): unknown {
  return {
    Rule: {
      name: rule,
      checks: [
        {
          Rule: {
            name: 'check',
            messages: { custom_message: `\n [${control}]: what the control requires` },
            checks: resources.map((id) => ({
              Clause: {
                Unary: {
                  check: {
                    UnResolved: {
                      value: { traversed_to: { path: `/Resources/${id}/Properties` } },
                    },
                  },
                },
              },
            })),
          },
        },
      ],
    },
  };
}

describe('cfn-guard findings', () => {
  const template: Template = {
    Resources: {
      Queue: { Metadata: { guard: { SuppressedRules: ['sqs_dlq_check'] } } },
      Other: {},
    },
  };

  it.each([
    ['suppressed by the resource', 'Queue', [], 1],
    ['not suppressed elsewhere', 'Other', ['sqs_dlq_check (CT.SQS.PR.1) Other'], 0],
  ])('a finding %s', (_case, resource, failures, suppressed) => {
    // Prepare
    const report: GuardReport = {
      compliant: ['a', 'b'],
      not_compliant: [guardFinding('sqs_dlq_check', 'CT.SQS.PR.1', resource)],
    };

    // Act
    const result = guardResult([report], template);

    // Assess
    expect(result).toEqual({ tool: 'cfn-guard', passed: '2 rules', suppressed, failures });
  });

  it('counts one finding per resource of a rule, and one naming no resource fails', () => {
    const report: GuardReport = {
      compliant: [],
      not_compliant: [
        guardFinding('sqs_dlq_check', 'CT.SQS.PR.1', 'Queue', 'Other'),
        guardFinding('template_rule', 'CT.X.PR.1'),
      ],
    };

    const result = guardResult([report], template);

    expect(result.suppressed).toBe(1);
    expect(result.failures).toEqual([
      'sqs_dlq_check (CT.SQS.PR.1) Other',
      'template_rule (CT.X.PR.1): no resource named',
    ]);
  });
});

describe('checkov findings', () => {
  const check = { check_id: 'CKV_AWS_18', check_name: 'access logging', resource: 'B.Bucket' };

  it.each([
    [
      'a failed check fails',
      { failed_checks: [check] },
      0,
      ['CKV_AWS_18 B.Bucket: access logging'],
    ],
    [
      'a skip with a comment is suppressed',
      { skipped_checks: [{ ...check, check_result: { suppress_comment: 'why' } }] },
      1,
      [],
    ],
    [
      'a skip without a comment fails',
      { skipped_checks: [{ ...check, check_result: { suppress_comment: 'No comment provided' } }] },
      0,
      ['CKV_AWS_18 B.Bucket: skipped without a comment'],
    ],
  ])('%s', (_case, results: CheckovReport['results'], suppressed, failures) => {
    const report: CheckovReport = { summary: { passed: 3, parsing_errors: 0 }, results };

    expect(checkovResult(report)).toEqual({
      tool: 'checkov',
      passed: '3 checks',
      suppressed,
      failures,
    });
  });
});
