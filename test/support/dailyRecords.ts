/**
 * A busy trail's background: one CloudTrail record per UTC day from `first` to `last`
 * (`YYYY-MM-DD`), the Lambda service assuming a function's role as it does every day in a real
 * account. Attributed to no IAM principal (an AWS service), so it changes nobody's usage; it
 * makes a fixture trail cover a report's window, as the report now requires to know usage.
 */
export function dailyRecords(account: string, first: string, last: string): object[] {
  const out: object[] = [];
  for (
    let t = Date.parse(`${first}T00:00:00Z`);
    t <= Date.parse(`${last}T00:00:00Z`);
    t += 86_400_000
  ) {
    const day = new Date(t).toISOString().slice(0, 10);
    const role = `arn:aws:iam::${account}:role/service-role/nightly-export`;
    out.push({
      eventVersion: '1.08',
      userIdentity: { type: 'AWSService', invokedBy: 'lambda.amazonaws.com' },
      eventTime: `${day}T12:00:04Z`,
      eventSource: 'sts.amazonaws.com',
      eventName: 'AssumeRole',
      awsRegion: 'us-east-1',
      sourceIPAddress: 'lambda.amazonaws.com',
      userAgent: 'lambda.amazonaws.com',
      requestParameters: { roleArn: role, roleSessionName: 'nightly-export' },
      responseElements: null,
      readOnly: true,
      resources: [{ accountId: account, type: 'AWS::IAM::Role', ARN: role }],
      eventType: 'AwsApiCall',
      managementEvent: true,
      recipientAccountId: account,
      eventCategory: 'Management',
    });
  }
  return out;
}
