import { evaluate } from '../../../local/standin/iam/simulate.js';

const SECRET = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:gatewarden/gw/apiKey/p-AbCdEf';
const policy = (...Statement: object[]) => ({ Version: '2012-10-17', Statement });

describe('the stand-in IAM policy simulation', () => {
  it.each<[string, object[], string, string, string]>([
    [
      'an Allow on the action',
      [policy({ Effect: 'Allow', Action: 'secretsmanager:RotateSecret', Resource: '*' })],
      'secretsmanager:RotateSecret',
      SECRET,
      'allowed',
    ],
    [
      'a wildcard action, any case',
      [policy({ Effect: 'Allow', Action: 'SecretsManager:*', Resource: '*' })],
      'secretsmanager:RotateSecret',
      SECRET,
      'allowed',
    ],
    [
      'a resource pattern that matches',
      [
        policy({
          Effect: 'Allow',
          Action: ['secretsmanager:RotateSecret'],
          Resource: 'arn:aws:secretsmanager:*:*:secret:gatewarden/*',
        }),
      ],
      'secretsmanager:RotateSecret',
      SECRET,
      'allowed',
    ],
    [
      'a resource pattern that does not',
      [
        policy({
          Effect: 'Allow',
          Action: 'secretsmanager:*',
          Resource: 'arn:aws:secretsmanager:*:*:secret:other/*',
        }),
      ],
      'secretsmanager:RotateSecret',
      SECRET,
      'implicitDeny',
    ],
    [
      'no statement for it',
      [policy({ Effect: 'Allow', Action: 'iam:GetRole', Resource: '*' })],
      'secretsmanager:RotateSecret',
      SECRET,
      'implicitDeny',
    ],
    [
      'a Deny beside an Allow',
      [
        policy({ Effect: 'Allow', Action: '*', Resource: '*' }),
        policy({ Effect: 'Deny', Action: 'secretsmanager:RotateSecret', Resource: '*' }),
      ],
      'secretsmanager:RotateSecret',
      SECRET,
      'explicitDeny',
    ],
    [
      'NotAction leaving it out',
      [policy({ Effect: 'Allow', NotAction: 'secretsmanager:RotateSecret', Resource: '*' })],
      'secretsmanager:RotateSecret',
      SECRET,
      'implicitDeny',
    ],
    [
      'NotAction leaving another out',
      [policy({ Effect: 'Allow', NotAction: 'iam:*', Resource: '*' })],
      'secretsmanager:RotateSecret',
      SECRET,
      'allowed',
    ],
    [
      'a condition (not evaluated: the statement does not apply)',
      [
        policy({
          Effect: 'Allow',
          Action: '*',
          Resource: '*',
          Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } },
        }),
      ],
      'secretsmanager:RotateSecret',
      SECRET,
      'implicitDeny',
    ],
  ])('%s', (_what, documents, action, resource, decision) => {
    expect(evaluate(documents, action, resource)).toBe(decision);
  });
});
