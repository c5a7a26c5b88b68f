import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { join } from 'node:path';
import { lambdaInvoker } from '../../../lib/aws/lambdaInvoker.js';
import { memberRotateNowArn, rotateInMember } from '../../../lib/rotation/memberRotation.js';
import { readState } from '../../../local/state.js';
import { consumeDenials } from '../../support/iamDenials.js';
import {
  localStack,
  localStackStateDir,
  testClientConfig,
  uniqueName,
} from '../../support/localStack.js';

/**
 * Rotation in a member account, run from the security account: on the local stack the local
 * stage (account 123456789012) is the member, deployed with `centralRotationRoleArn` naming a
 * role of the security account 210987654321 (serverless.yml, params.local). The IAM gate decides
 * each Invoke as AWS does across accounts: the caller's own policy AND the function's resource
 * policy (the template's RotateNowCentralPermission, as moto's CloudFormation stored it).
 *
 * What the local stack cannot show: moto runs no function, and it looks a cross-account
 * function ARN up in the caller's own account, so an admitted Invoke comes back from moto as
 * "Function not found" in the security account; the rotation the member's function then runs is
 * tested with the real handler in test/unit/rotation/memberRotation.test.ts.
 */
const MEMBER = '123456789012';
const CENTRAL = '210987654321';
const CENTRAL_ROLE = 'gatewarden-central-rotation';
const ANALYST = uniqueName('security-analyst');

/** What the central stage's MemberRotationPolicy grants (without aws:ResourceOrgID: no organization here). */
const invokePolicy = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Action: 'lambda:InvokeFunction',
      Resource: 'arn:aws:lambda:*:*:function:gatewarden-*-rotateNow',
    },
  ],
});
const trustMember = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${MEMBER}:root` },
      Action: 'sts:AssumeRole',
    },
  ],
});

type Credentials = { accessKeyId: string; secretAccessKey: string; sessionToken: string };

async function session(roleArn: string, sts: STSClient): Promise<Credentials> {
  const got = await sts.send(
    new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'member-rotation-test' }),
  );
  const c = got.Credentials;
  if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken) throw new Error('no session');
  return {
    accessKeyId: c.AccessKeyId,
    secretAccessKey: c.SecretAccessKey,
    sessionToken: c.SessionToken,
  };
}

const functionArn = memberRotateNowArn({
  account: MEMBER,
  region: localStack().region,
  stage: 'local',
});
const invokerAs = (credentials: Credentials) =>
  lambdaInvoker(new LambdaClient({ ...testClientConfig(), credentials }));

beforeAll(async () => {
  // The security account's roles, made straight on moto (the front refuses the account header):
  // the named central role, and another role of the same account with the same grant.
  const state = readState(join(localStackStateDir(), 'local-stack.json'));
  if (!state) throw new Error('no local stack state');
  const direct = { endpoint: state.motoUrl, region: localStack().region };
  const setup = await session(
    `arn:aws:iam::${CENTRAL}:role/account-setup`,
    new STSClient({
      ...direct,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    }),
  );
  const iam = new IAMClient({ ...direct, credentials: setup });
  for (const name of [CENTRAL_ROLE, ANALYST]) {
    // The central role's name is fixed by the local stage: a reused stack has it already.
    await iam
      .send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: trustMember }))
      .catch((error: Error) => {
        if (error.name !== 'EntityAlreadyExistsException') throw error;
      });
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: name,
        PolicyName: 'rotate-members',
        PolicyDocument: invokePolicy,
      }),
    );
  }
});

describe('gatewarden rotate --account on the local stack: who may invoke a member’s rotateNow', () => {
  const sts = new STSClient(testClientConfig());

  it('the central role named by the member stage gets through the gate to the function', async () => {
    const central = await session(`arn:aws:iam::${CENTRAL}:role/${CENTRAL_ROLE}`, sts);
    // The gate admitted the call (no denial); moto then answers from the caller's own account.
    const error = await rotateInMember(invokerAs(central), functionArn, { sweep: true }).catch(
      (e: unknown) => e as Error,
    );
    expect(error).toMatchObject({ name: 'ResourceNotFoundException' });
    expect(String(error)).toContain(`${CENTRAL}:function:gatewarden-local-rotateNow`);
    expect(await consumeDenials()).toEqual([]);
  });

  it('another role of the security account, with the same grant of its own, is refused by the function policy', async () => {
    const analyst = await session(`arn:aws:iam::${CENTRAL}:role/${ANALYST}`, sts);
    await expect(
      rotateInMember(invokerAs(analyst), functionArn, { sweep: true }),
    ).rejects.toMatchObject({ name: 'AccessDeniedException' });
    const refused = await consumeDenials();
    expect(refused.map((d) => [d.action, d.resource])).toEqual([
      ['lambda:InvokeFunction', functionArn],
    ]);
  });
});
