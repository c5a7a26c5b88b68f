import { runSimulation } from '@cloud-copilot/iam-simulate';
import { packagedTemplate, type CfnTemplate } from './packagedTemplate.js';

/**
 * Attack (attack23): the member code bucket (resources/member-code.yml) promises "only through
 * conditional writes that cannot replace an object", but its policy denies writes only to
 * principals of other accounts. Any principal of the security account whose own IAM policy
 * grants s3:PutObject or s3:DeleteObject (PowerUserAccess, AmazonS3FullAccess: no admin of
 * gatewarden) replaces `member-code/<sha256>.zip` in place. The StackSet names the key without
 * a version: every member account the OU gains afterwards (AutoDeployment), and every instance
 * re-created, runs the replaced bytes as the member rotator, which reads every gateway secret.
 */
const CENTRAL = '111122223333';
const BUCKET = 'gatewarden-ci-membercodebucket-example';
const ORG = 'o-exampleorg1';
const KEY = `member-code/${'a'.repeat(64)}.zip`;
/** A security-account role holding S3 rights, and nothing of gatewarden. */
const ANALYST = `arn:aws:iam::${CENTRAL}:role/PowerUser`;
const S3_ANYTHING = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }],
};

let bucketPolicy: unknown;

/** The few intrinsics the bucket policy uses, resolved as CloudFormation would. */
function resolve(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(resolve);
  if (typeof value !== 'object' || value === null) return value;
  const v = value as Record<string, unknown>;
  const names: Record<string, string> = {
    'MemberCodeBucket.Arn': `arn:aws:s3:::${BUCKET}`,
    MemberCodeBucket: BUCKET,
    OrganizationId: ORG,
    'AWS::AccountId': CENTRAL,
    'AWS::Partition': 'aws',
  };
  if ('Ref' in v) return names[String(v.Ref)] ?? `unresolved:${String(v.Ref)}`;
  if ('Fn::GetAtt' in v) {
    const at = v['Fn::GetAtt'] as string[];
    return names[at.join('.')] ?? `unresolved:${at.join('.')}`;
  }
  if ('Fn::Sub' in v)
    return String(v['Fn::Sub']).replace(/\$\{([^}]+)\}/g, (_, n: string) => names[n] ?? n);
  if ('Fn::Join' in v) {
    const [sep, parts] = v['Fn::Join'] as [string, unknown[]];
    return (resolve(parts) as string[]).join(sep);
  }
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, resolve(x)]));
}

beforeAll(async () => {
  const { template } = (await packagedTemplate()) as { template: CfnTemplate };
  const policy = template.Resources.MemberCodeBucketPolicy?.Properties as {
    PolicyDocument: unknown;
  };
  bucketPolicy = resolve(policy.PolicyDocument);
}, 300_000);

async function decide(
  action: string,
  context: Record<string, string> = {},
  principal = ANALYST,
): Promise<string> {
  const account = principal.split(':')[4] ?? '';
  const result = await runSimulation(
    {
      request: {
        principal,
        action,
        resource: { resource: `arn:aws:s3:::${BUCKET}/${KEY}`, accountId: CENTRAL },
        contextVariables: {
          'aws:PrincipalArn': principal,
          'aws:PrincipalAccount': account,
          'aws:PrincipalOrgID': ORG,
          'aws:ResourceAccount': CENTRAL,
          'aws:SecureTransport': 'true',
          ...context,
        },
      },
      identityPolicies: [{ name: 'PowerUser', policy: S3_ANYTHING }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: bucketPolicy,
    },
    {},
  );
  if (result.resultType === 'error') throw new Error(JSON.stringify(result.errors));
  return result.overallResult;
}

describe('member code bucket: the harness decides as the policy says', () => {
  it('lets an organization principal read the code and refuses another account a put', async () => {
    const member = 'arn:aws:iam::444455556666:role/Admin';
    expect(await decide('s3:GetObject', {}, member)).toBe('Allowed');
    expect(await decide('s3:PutObject', {}, member)).not.toBe('Allowed');
  });
});

describe('member code bucket: a security-account principal that is no deployer (attack)', () => {
  it('cannot replace a member code zip with an unconditional PutObject', async () => {
    expect(await decide('s3:PutObject')).not.toBe('Allowed');
  });

  it('cannot delete a member code zip (a later put then lands under the same key)', async () => {
    expect(await decide('s3:DeleteObject')).not.toBe('Allowed');
    expect(await decide('s3:DeleteObjectVersion')).not.toBe('Allowed');
  });

  it('may still write a new zip with If-None-Match, which S3 refuses over an existing key', async () => {
    // The deploy's own write (scripts/memberCodePlugin.cjs): the Deny is not a blanket one.
    expect(await decide('s3:PutObject', { 's3:if-none-match': '*' })).toBe('Allowed');
  });
});
