import permissions from '../../../lib/deploy/deployPermissions.json' with { type: 'json' };
import { deployPolicy, type DeployPermissions } from '../../../lib/deploy/policy.js';
import { stageEnv } from '../../../lib/deploy/stageEnv.js';

const target = { stage: 'prod', region: 'eu-west-1', account: '111122223333' };
const data = permissions as DeployPermissions;

describe('gatewarden deploy-policy', () => {
  it('grants every action the handlers of every resource type of the template call', () => {
    const document = deployPolicy(target);
    const granted = new Set(document.Statement.flatMap((s) => s.Action));
    const needed = Object.values(data.resourceTypes).flat();
    expect(needed.length).toBeGreaterThan(100);
    expect(needed.filter((action) => !granted.has(action))).toEqual([]);
  });

  it('scopes the stack, the deployment bucket and the roles to the stage', () => {
    const bySid = Object.fromEntries(deployPolicy(target).Statement.map((s) => [s.Sid, s]));
    expect(bySid.TheStack?.Resource).toBe(
      'arn:aws:cloudformation:eu-west-1:111122223333:stack/gatewarden-prod/*',
    );
    expect(bySid.DeploymentArtifacts?.Resource).toEqual([
      'arn:aws:s3:::gatewarden-prod-serverlessdeploymentbuck*',
      'arn:aws:s3:::gatewarden-prod-serverlessdeploymentbuck*/*',
    ]);
    expect(bySid.StackRoles?.Resource).toBe('arn:aws:iam::111122223333:role/gatewarden-prod-*');
    expect(bySid.StackRoles?.Action).toContain('iam:PassRole');
    expect(bySid.StackResources?.Action.some((a) => a.startsWith('iam:'))).toBe(false);
  });

  it('lets a stage outside us-east-1 deploy its forwarder stack there, and only there', () => {
    const bySid = (region: string) =>
      Object.fromEntries(deployPolicy({ ...target, region }).Statement.map((s) => [s.Sid, s]));

    expect(bySid('eu-west-1').TheForwarderStack?.Resource).toBe(
      'arn:aws:cloudformation:us-east-1:111122223333:stack/gatewarden-prod-forwarder-eu-west-1/*',
    );
    // Its role (gatewarden-prod-eu-west-1-forwarder) is one of the stage's roles.
    expect('arn:aws:iam::111122223333:role/gatewarden-prod-eu-west-1-forwarder').toMatch(
      new RegExp(`^${String(bySid('eu-west-1').StackRoles?.Resource).replace('*', '.*')}$`),
    );
    expect(bySid('us-east-1').TheForwarderStack).toBeUndefined();
  });

  it('uses the partition of the region', () => {
    const [stack] = deployPolicy({ ...target, region: 'cn-north-1' }).Statement;
    expect(stack?.Resource).toMatch(/^arn:aws-cn:cloudformation:cn-north-1:/);
  });

  it.each([
    [{ ...target, stage: 'prod/*' }, /stage must match/],
    [{ ...target, stage: '' }, /stage must match/],
    [{ ...target, region: 'eu-west-1"*' }, /region must look like/],
    [{ ...target, account: '*' }, /account must be 12 digits/],
  ])('refuses a value that would widen a resource: %j', (bad, message) => {
    expect(() => deployPolicy(bad)).toThrow(message);
  });
});

describe('gatewarden env (stack outputs → variables)', () => {
  it('maps the outputs the CLI reads and leaves the others out', () => {
    expect(
      stageEnv('prod', 'eu-west-1', {
        StateTableName: 'gatewarden-prod-state',
        RotateFunctionArn: 'arn:aws:lambda:eu-west-1:111122223333:function:gatewarden-prod-rotate',
        AdminRoleArn: '',
        DataKmsKeyArn: 'arn:aws:kms:eu-west-1:111122223333:key/k',
      }),
    ).toEqual({
      AWS_REGION: 'eu-west-1',
      GATEWARDEN_STAGE: 'prod',
      GATEWARDEN_STATE_TABLE: 'gatewarden-prod-state',
      GATEWARDEN_ROTATION_FUNCTION_ARN:
        'arn:aws:lambda:eu-west-1:111122223333:function:gatewarden-prod-rotate',
    });
  });
});
