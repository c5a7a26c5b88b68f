import { actionsOfEvent, serviceOfSource } from '../../../lib/reports/actionMap.js';

describe('CloudTrail event → IAM action', () => {
  it.each([
    ['bedrock-agentcore.amazonaws.com', 'UpdateGateway', ['bedrock-agentcore:UpdateGateway']],
    ['monitoring.amazonaws.com', 'GetMetricData', ['cloudwatch:GetMetricData']],
    ['lambda.amazonaws.com', 'Invoke', ['lambda:InvokeFunction']],
    ['lambda.amazonaws.com', 'GetFunction20150331v2', ['lambda:GetFunction']],
    ['lambda.amazonaws.com', 'UpdateFunctionCode20150331v2', ['lambda:UpdateFunctionCode']],
    ['s3.amazonaws.com', 'ListObjectsV2', ['s3:ListBucket']],
    ['s3.amazonaws.com', 'HeadObject', ['s3:GetObject']],
    ['s3.amazonaws.com', 'CopyObject', ['s3:PutObject', 's3:GetObject']],
    ['email.amazonaws.com', 'SendEmail', ['ses:SendEmail']],
    ['secretsmanager.amazonaws.com', 'GetSecretValue', ['secretsmanager:GetSecretValue']],
    ['signin.amazonaws.com', 'ConsoleLogin', []],
    ['sts.amazonaws.com', 'GetCallerIdentity', []],
    ['secretsmanager.amazonaws.com', 'RotationSucceeded', []],
  ])('%s %s → %j', (source, name, actions) => {
    expect(actionsOfEvent(source, name)).toEqual(actions);
  });

  it('maps the service of an unknown endpoint to its host name', () => {
    expect(serviceOfSource('example.amazonaws.com')).toBe('example');
  });
});
