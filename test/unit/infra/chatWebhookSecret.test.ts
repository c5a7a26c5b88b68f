/**
 * The chat webhook secret belongs to the stack (issue 17 §9): whoever sets the URL receives
 * every finding, so anyone able to create a secret named `gatewarden-settings/chat-webhook`
 * must not become the channel. The stack creates the secret; detect reads it by the ARN
 * CloudFormation gives it (never by name), and its resource policy leaves changes to the admin
 * role and reads to detect and the admin role.
 */
import { WRITE_ACTIONS } from '../../../lib/rotation/registerPolicy.js';
import { ENV } from '../../../lib/shared/env.js';
import { packagedTemplate, type CfnTemplate } from './packagedTemplate.js';
import { allStatements, asArray, resourceText } from './policies.js';

let template: CfnTemplate;
beforeAll(async () => {
  template = (await packagedTemplate()).template;
}, 300_000);

const OWN_SECRET = { Ref: 'ChatWebhookSecret' };

interface Statement {
  Sid?: string;
  Effect: string;
  Principal?: unknown;
  Action: string | string[];
  Resource?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

function resource(id: string): {
  Type: string;
  Condition?: string;
  DeletionPolicy?: string;
  Properties: Record<string, unknown>;
} {
  const found = template.Resources[id];
  if (!found) throw new Error(`no resource ${id}`);
  return found as never;
}

describe('the chat webhook secret', () => {
  it('is created by the stack, empty, under the secrets key, and kept on removal', () => {
    const secret = resource('ChatWebhookSecret');
    expect(secret).toMatchObject({
      Type: 'AWS::SecretsManager::Secret',
      Condition: 'CreateChatWebhook',
      DeletionPolicy: 'Retain',
    });
    expect(secret.Properties).toMatchObject({
      Name: 'gatewarden-settings/chat-webhook',
      SecretString: '{"url":""}',
    });
    expect(JSON.stringify(secret.Properties.KmsKeyId)).toContain('SecretsKey');
  });

  it('is what detect is told to read: its ARN, never a name', () => {
    const variables = (
      resource('DetectLambdaFunction').Properties.Environment as {
        Variables: Record<string, unknown>;
      }
    ).Variables;
    expect(variables[ENV.chatWebhookSecretId]).toEqual({
      'Fn::If': ['CreateChatWebhook', OWN_SECRET, ''],
    });
  });

  it('is the only chat secret any role may read (no name pattern a planted secret could match)', () => {
    const reads = allStatements(template).filter(
      (s) =>
        s.type === 'AWS::IAM::Role' &&
        asArray(s.statement.Action as string | string[]).includes(
          'secretsmanager:GetSecretValue',
        ) &&
        asArray(s.statement.Resource).some(
          (r) =>
            resourceText(r).includes('chat-webhook') ||
            JSON.stringify(r) === JSON.stringify(OWN_SECRET),
        ),
    );
    expect(reads.map((s) => [s.where, s.statement.Resource])).toEqual([
      [expect.stringMatching(/^DetectRole\//), OWN_SECRET],
    ]);
  });

  describe('its resource policy', () => {
    /** The statements with an admin role named (a statement under `Fn::If` HasAdminRole). */
    const statements = (): Statement[] => {
      const policy = resource('ChatWebhookSecretPolicy');
      expect(policy.Condition).toBe('CreateChatWebhook');
      expect(policy.Properties.SecretId).toEqual(OWN_SECRET);
      expect(policy.Properties.BlockPublicPolicy).toBe(true);
      const raw = (policy.Properties.ResourcePolicy as { Statement: unknown[] }).Statement;
      return raw.map((entry) => {
        const branch = (entry as { 'Fn::If'?: [string, Statement, unknown] })['Fn::If'];
        if (!branch) return entry as Statement;
        expect(branch[0]).toBe('HasAdminRole');
        return branch[1];
      });
    };

    it.each([
      ...WRITE_ACTIONS,
      'secretsmanager:UpdateSecretVersionStage',
      'secretsmanager:RotateSecret',
    ])('refuses %s to every principal but the admin role', (action) => {
      const deny = statements().filter(
        (s) => s.Effect === 'Deny' && s.Principal === '*' && asArray(s.Action).includes(action),
      );
      expect(deny.map((s) => s.Condition)).toEqual([
        { StringNotEquals: { 'aws:PrincipalArn': { Ref: 'AdminRoleArn' } } },
      ]);
    });

    it('lets only detect and the admin role read the URL', () => {
      const deny = statements().filter(
        (s) => s.Effect === 'Deny' && asArray(s.Action).includes('secretsmanager:GetSecretValue'),
      );
      expect(deny.map((s) => s.Condition)).toEqual([
        {
          StringNotEquals: {
            'aws:PrincipalArn': {
              'Fn::If': [
                'HasAdminRole',
                [{ 'Fn::GetAtt': ['DetectRole', 'Arn'] }, { Ref: 'AdminRoleArn' }],
                [{ 'Fn::GetAtt': ['DetectRole', 'Arn'] }],
              ],
            },
          },
        },
      ]);
    });

    it('allows nothing by itself', () => {
      expect(statements().filter((s) => s.Effect !== 'Deny')).toEqual([]);
    });
  });
});
