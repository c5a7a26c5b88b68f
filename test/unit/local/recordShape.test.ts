/**
 * The stand-in's CloudTrail records have the keys real CloudTrail records have, service by
 * service: each case is an SDK wire request (what the front receives) and a real record of the
 * same call, read from a fixture that names its source (`test/fixtures/cloudtrail/panther/*`,
 * `test/fixtures/cloudtrail/documented/*`). Members of the real record the stand-in does not
 * record are named per case, with the reason.
 */
import { readFileSync } from 'node:fs';
import { shapeRecord, type RecordInput } from '../../../local/standin/cloudtrail/record.js';
import type { FrontRequest } from '../../../local/standin/context.js';
import { signedRequest } from './support.js';

interface RealRecord {
  eventSource: string;
  eventName: string;
  requestParameters?: Record<string, unknown> | null;
  responseElements?: Record<string, unknown> | null;
}

const FIXTURES = 'test/fixtures/cloudtrail';

/** The record of `eventName` in a Panther rule's test cases (the file names the rule's repo). */
function panther(file: string, eventName: string, caseName?: string): RealRecord {
  const fixture = JSON.parse(readFileSync(`${FIXTURES}/panther/${file}.json`, 'utf8')) as {
    source: string;
    cases: Array<{ name: string; log: RealRecord }>;
  };
  expect(fixture.source).toMatch(/^panther-labs\/panther-analysis /);
  const found = fixture.cases.find(
    (c) => c.log.eventName === eventName && (caseName === undefined || c.name === caseName),
  );
  if (!found) throw new Error(`${file} has no ${eventName} record`);
  return found.log;
}

function documented(file: string): RealRecord {
  const fixture = JSON.parse(readFileSync(`${FIXTURES}/documented/${file}.json`, 'utf8')) as {
    source: string;
    record: RealRecord;
  };
  expect(fixture.source).toMatch(/https:\/\/docs\.aws\.amazon\.com\//);
  return fixture.record;
}

const query = (service: string, params: Record<string, string>) =>
  signedRequest({
    service,
    body: new URLSearchParams({
      ...params,
      Version: service === 'sts' ? '2011-06-15' : '2010-05-08',
    }).toString(),
  });

const json = (service: string, target: string, body: Record<string, unknown>) =>
  signedRequest({ service, target, body, contentType: 'application/x-amz-json-1.1' });

interface ShapeCase {
  name: string;
  real: () => RealRecord;
  request: () => FrontRequest;
  response?: Record<string, unknown>;
  /** Members of the real record the stand-in leaves out, and why. */
  notRecorded?: string[];
  /** Compare keys only: the real values are not the request's (S3's virtual host). */
  keysOnly?: boolean;
}

const CASES: ShapeCase[] = [
  {
    name: 'IAM AttachRolePolicy (query protocol)',
    real: () => panther('aws_iam_attach_admin_role_policy', 'AttachRolePolicy'),
    request: () =>
      query('iam', {
        Action: 'AttachRolePolicy',
        RoleName: 'new-role',
        PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess',
      }),
  },
  {
    name: 'IAM AttachUserPolicy',
    real: () => panther('aws_iam_attach_admin_user_policy', 'AttachUserPolicy'),
    request: () =>
      query('iam', {
        Action: 'AttachUserPolicy',
        UserName: 'new-user',
        PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess',
      }),
  },
  {
    name: 'IAM UpdateAssumeRolePolicy (policy document kept whole)',
    real: () => panther('aws_iam_backdoor_role', 'UpdateAssumeRolePolicy'),
    request: () =>
      query('iam', {
        Action: 'UpdateAssumeRolePolicy',
        PolicyDocument:
          '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"12345"}}}]}',
      }),
  },
  {
    name: 'STS AssumeRole (query lists rebuilt as tags [{ key, value }], integers as numbers)',
    real: () => documented('sts-assume-role'),
    request: () =>
      query('sts', {
        Action: 'AssumeRole',
        RoleArn: 'arn:aws:iam::111111111111:role/JohnRole2',
        RoleSessionName: 'Role2WithTags',
        'Tags.member.1.Key': 'Project',
        'Tags.member.1.Value': 'Automation',
        DurationSeconds: '3600',
      }),
  },
  {
    name: 'Secrets Manager GetSecretValue (JSON protocol)',
    real: () =>
      panther('aws_secretsmanager_retrieve_secrets', 'GetSecretValue', 'GetSecretValue Denied'),
    request: () =>
      json('secretsmanager', 'secretsmanager.GetSecretValue', {
        SecretId:
          'arn:aws:secretsmanager:us-west-2:123123123123:secret:stratus-red-team-retrieve-secret-3-gscOm8',
        VersionId: '7DC59E8B-63AE-454D-B7A4-8A7D64AB05E7',
      }),
  },
  {
    name: 'Secrets Manager CreateSecret response (arn, not ARN)',
    real: () => documented('secretsmanager-arn'),
    request: () =>
      json('secretsmanager', 'secretsmanager.CreateSecret', {
        Name: 'gatewarden/orders',
        SecretString: 'never-recorded',
      }),
    response: {
      ARN: 'arn:aws:secretsmanager:us-east-1:111122223333:secret:gatewarden/orders-Qw12Er',
    },
  },
  {
    name: 'KMS ScheduleKeyDeletion',
    real: () => panther('aws_kms_cmk_loss', 'ScheduleKeyDeletion'),
    request: () =>
      json('kms', 'TrentService.ScheduleKeyDeletion', { KeyId: '1', PendingWindowInDays: 30 }),
    // Not a member of the public API: set by the console, never by an SDK call.
    notRecorded: ['overridePendingWindowCheck'],
  },
  {
    name: 'KMS DisableKey',
    real: () => panther('aws_kms_cmk_loss', 'DisableKey'),
    request: () => json('kms', 'TrentService.DisableKey', { KeyId: '1' }),
  },
  {
    name: 'DynamoDB DescribeTable',
    real: () => panther('aws_console_root_login', 'DescribeTable'),
    request: () =>
      signedRequest({
        service: 'dynamodb',
        target: 'DynamoDB_20120810.DescribeTable',
        body: { TableName: 'table' },
        contentType: 'application/x-amz-json-1.0',
      }),
  },
  {
    name: 'CloudTrail StopLogging',
    real: () => panther('aws_cloudtrail_stopped', 'StopLogging'),
    request: () =>
      json('cloudtrail', 'com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.StopLogging', {
        Name: 'arn:aws:cloudtrail:us-west-2:123456789012:trail/example-trail',
      }),
  },
  {
    name: 'S3 GetBucketLifecycle (bucketName and Host)',
    real: () => panther('aws_cloudtrail_short_lifecycle', 'GetBucketLifecycle'),
    request: () => {
      const request = signedRequest({
        service: 's3',
        method: 'GET',
        path: '/sample-cloudtrail-bucket-name',
        query: 'lifecycle',
      });
      request.headers.host = 'sample-cloudtrail-bucket-name.s3.us-west-2.amazonaws.com';
      return request;
    },
    // The query subresource flag (`?lifecycle`), an empty string: says nothing the event name does not.
    notRecorded: ['lifecycle'],
    keysOnly: true,
  },
];

function input(request: FrontRequest, response?: Record<string, unknown>): RecordInput {
  return {
    request,
    status: 200,
    responseHeaders: {},
    responseBody: Buffer.from(JSON.stringify(response ?? {})),
    userIdentity: { type: 'IAMUser', userName: 'alice', accountId: '123456789012' },
    accountId: '123456789012',
  };
}

const keysOf = (value: Record<string, unknown> | null | undefined, leave: string[] = []) =>
  Object.keys(value ?? {})
    .filter((key) => !leave.includes(key))
    .sort();

describe('stand-in CloudTrail records have the shape of real CloudTrail records', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const real = c.real();
    const record = shapeRecord(input(c.request(), c.response));
    expect(record?.eventSource).toBe(real.eventSource);
    if (real.requestParameters !== undefined) {
      expect(keysOf(record?.requestParameters, c.notRecorded)).toEqual(
        keysOf(real.requestParameters, c.notRecorded),
      );
    }
    if (c.response && real.responseElements) {
      expect(keysOf(record?.responseElements)).toEqual(
        expect.arrayContaining(keysOf(real.responseElements)),
      );
    }
    // Values too, where the real record's values are the ones the request carried.
    if (real.requestParameters && !c.keysOnly) {
      const leave = new Set(c.notRecorded ?? []);
      const expected = Object.fromEntries(
        Object.entries(real.requestParameters).filter(([key]) => !leave.has(key)),
      );
      expect(record?.requestParameters).toEqual(expected);
    }
    expect(JSON.stringify(record)).not.toContain('never-recorded');
  });
});
