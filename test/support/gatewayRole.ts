import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { testClientConfig } from './localStack.js';

/**
 * A gateway execution role on the local stack, as the admin: trusted by AgentCore, no policy.
 * Returns its ARN.
 */
export async function createGatewayExecutionRole(roleName: string): Promise<string> {
  const role = await new IAMClient(testClientConfig()).send(
    new CreateRoleCommand({
      RoleName: roleName.slice(0, 64),
      AssumeRolePolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { Service: 'bedrock-agentcore.amazonaws.com' },
            Action: 'sts:AssumeRole',
          },
        ],
      }),
    }),
  );
  return role.Role?.Arn ?? '';
}
