import { ReportInputError } from '../../../lib/reports/errors.js';
import {
  parsePolicyDocument,
  statementCoversAction,
  wildcardMatch,
} from '../../../lib/reports/policy.js';

const doc = {
  Version: '2012-10-17',
  Statement: { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*' },
};

describe('parsePolicyDocument', () => {
  it.each([
    ['an object', doc],
    ['a JSON string', JSON.stringify(doc)],
    ['a URL-encoded JSON string (IAM API)', encodeURIComponent(JSON.stringify(doc))],
  ])('accepts %s', (_label, input) => {
    // Act
    const parsed = parsePolicyDocument(input, 'test');
    // Assess
    expect(parsed.statements).toEqual([
      {
        effect: 'Allow',
        actions: ['s3:GetObject'],
        notAction: false,
        resources: ['arn:aws:s3:::b/*'],
        notResource: false,
        notPrincipal: false,
      },
    ]);
  });

  it('keeps NotAction, principals and conditions', () => {
    const parsed = parsePolicyDocument(
      {
        Statement: [
          {
            Sid: 'Trust',
            Effect: 'Allow',
            Principal: { Service: 'bedrock-agentcore.amazonaws.com' },
            Action: 'sts:AssumeRole',
            Condition: { StringEquals: { 'aws:SourceAccount': '1' } },
          },
          { Effect: 'Deny', NotAction: ['iam:*'], NotResource: 'arn:aws:s3:::x' },
        ],
      },
      'test',
    );
    expect(parsed.statements[0]).toMatchObject({
      sid: 'Trust',
      principals: { Service: ['bedrock-agentcore.amazonaws.com'] },
      conditions: { StringEquals: { 'aws:SourceAccount': '1' } },
      resources: ['*'],
    });
    expect(parsed.statements[1]).toMatchObject({
      notAction: true,
      actions: ['iam:*'],
      notResource: true,
    });
  });

  it.each([
    ['not JSON', 'this is not a policy'],
    ['a bad Effect', { Statement: [{ Effect: 'Maybe', Action: '*' }] }],
    ['an array', []],
  ])('rejects %s with a clear error', (_label, input) => {
    expect(() => parsePolicyDocument(input, 'role x')).toThrow(ReportInputError);
    expect(() => parsePolicyDocument(input, 'role x')).toThrow(/role x/);
  });
});

describe('wildcardMatch', () => {
  it.each([
    ['s3:Get*', 's3:GetObject', true],
    ['s3:get*', 'S3:GetObject', true],
    ['s3:Get?bject', 's3:GetObject', true],
    ['s3:Get*', 's3:PutObject', false],
    ['bedrock-agentcore:*Gateway*', 'bedrock-agentcore:ListGatewayTargets', true],
    ['arn:aws:s3:::b/*', 'arn:aws:s3:::b', false],
    ['arn:aws:s3:::b.c', 'arn:aws:s3:::bxc', false],
    ['*', 'anything:AtAll', true],
  ])('%s matches %s → %s', (pattern, value, expected) => {
    expect(wildcardMatch(pattern, value)).toBe(expected);
  });

  it('honours NotAction', () => {
    const [statement] = parsePolicyDocument(
      { Statement: [{ Effect: 'Allow', NotAction: 'iam:*', Resource: '*' }] },
      't',
    ).statements;
    expect(statement && statementCoversAction(statement, 'iam:PassRole')).toBe(false);
    expect(statement && statementCoversAction(statement, 's3:GetObject')).toBe(true);
  });
});
