import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  IAMClient,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import { randomBytes } from 'node:crypto';
import { clientConfig } from '../../lib/aws/clients.js';

/**
 * Creates an IAM user with an admin policy on the local stack and switches this process (and
 * every `gatewarden` it runs) to its access key, so CloudTrail records the demo's calls as a
 * real principal and `gatewarden doctor` can simulate its rights. Returns the user's ARN.
 */
export async function actAsDemoAdmin(): Promise<string> {
  const iam = new IAMClient(clientConfig());
  const userName = `gatewarden-demo-admin-${randomBytes(3).toString('hex')}`;
  const { User } = await iam.send(new CreateUserCommand({ UserName: userName }));
  await iam.send(
    new PutUserPolicyCommand({
      UserName: userName,
      PolicyName: 'admin',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
      }),
    }),
  );
  const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: userName }));
  // moto checks no signature: the key id alone names the user. Not printed.
  process.env.AWS_ACCESS_KEY_ID = AccessKey?.AccessKeyId ?? '';
  process.env.AWS_SECRET_ACCESS_KEY = AccessKey?.SecretAccessKey ?? '';
  return User?.Arn ?? userName;
}
