/**
 * The resource policy of a gatewarden secret: only the gateway's role, the rotator and any
 * extra readers named at registration may read the value, directly or through AgentCore
 * (which reads with the caller's identity, `aws:CalledVia` bedrock-agentcore).
 */
export const AGENTCORE_SERVICE = 'bedrock-agentcore.amazonaws.com';

export function secretResourcePolicy(readers: readonly string[]): string {
  const principals = [...new Set(readers)].sort();
  if (principals.length === 0)
    throw new Error('a secret resource policy needs at least one reader');
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'ReadersMayRead',
        Effect: 'Allow',
        Principal: { AWS: principals },
        Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
        Resource: '*',
      },
      {
        // Identity policies elsewhere in the account cannot widen this: anyone else is denied,
        // unless the call comes through AgentCore Identity on a reader's behalf.
        Sid: 'NobodyElseReads',
        Effect: 'Deny',
        Principal: '*',
        Action: 'secretsmanager:GetSecretValue',
        Resource: '*',
        Condition: {
          StringNotEquals: { 'aws:PrincipalArn': principals },
          'ForAllValues:StringNotEquals': { 'aws:CalledVia': [AGENTCORE_SERVICE] },
        },
      },
    ],
  });
}
