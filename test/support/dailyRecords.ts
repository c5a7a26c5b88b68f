import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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

/**
 * A copy of a fixture trail (under a temporary folder) with daily records added for the 91
 * UTC days to today: what a CLI run on the real clock needs for its default 90-day window to
 * be covered (fixture records have fixed dates; the window moves with the clock).
 */
export function trailCoveringToday(fixture: string, account: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'gw-covering-trail-'));
  cpSync(fixture, dir, { recursive: true });
  const today = Date.now();
  const day = (ago: number) => new Date(today - ago * 86_400_000).toISOString().slice(0, 10);
  // Records at 12:00:04 each day: today's is in the future before noon, yesterday's is not.
  writeFileSync(
    join(dir, `${account}_CloudTrail_us-east-1_daily.json`),
    JSON.stringify({ Records: dailyRecords(account, day(91), day(0)) }),
  );
  return dir;
}
