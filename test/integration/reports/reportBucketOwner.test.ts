/**
 * S3 bucket names are global: a bucket of the report bucket's name can exist in another account
 * (squatted after ours was deleted, or a mistyped name). The report store passes
 * `ExpectedBucketOwner` and the deployed report role's S3 statements require
 * `s3:ResourceAccount` = the stage's account, so neither writes nor reads reach such a bucket.
 * The squatter's bucket is made in a second moto account (moto issues credentials for a role of
 * any account; bucket names are global across its accounts, as on AWS).
 */
import {
  CreateBucketCommand,
  GetObjectCommand,
  PutBucketPolicyCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { join } from 'node:path';
import { S3ReportStore } from '../../../lib/aws/reportStore.js';
import type { AccessReport } from '../../../lib/reports/reportTypes.js';
import { IamEnforcer, callerOf } from '../../../local/iam/enforcer.js';
import { MotoPolicyStore } from '../../../local/iam/policies.js';
import { readState } from '../../../local/state.js';
import { consumeDenials } from '../../support/iamDenials.js';
import { deployedFunction } from '../../support/functionRoles.js';
import {
  localClient,
  localStack,
  localStackStateDir,
  uniqueName,
} from '../../support/localStack.js';

const ACCOUNT = '123456789012';
const SQUATTER_ACCOUNT = '999999999999';
const REPORT = { generatedAt: '2026-12-05T00:00:00.000Z', schemaVersion: 1 } as AccessReport;
const RENDERED = { json: '{}', md: '# r', html: '<p>r</p>' };

let motoUrl = '';
const squatted = uniqueName('gw-squatted').toLowerCase();
const own = uniqueName('gw-own-reports').toLowerCase();

beforeAll(async () => {
  const state = readState(join(localStackStateDir(), 'local-stack.json'));
  if (!state) throw new Error('no local stack state');
  motoUrl = state.motoUrl;
  // The squatter, in its own account, straight on moto (the front refuses the account header).
  const direct = { endpoint: motoUrl, region: localStack().region, forcePathStyle: true };
  const assumed = await new STSClient({
    ...direct,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  }).send(
    new AssumeRoleCommand({
      RoleArn: `arn:aws:iam::${SQUATTER_ACCOUNT}:role/squatter`,
      RoleSessionName: 'squatter',
    }),
  );
  const squatter = new S3Client({
    ...direct,
    credentials: {
      accessKeyId: assumed.Credentials?.AccessKeyId ?? '',
      secretAccessKey: assumed.Credentials?.SecretAccessKey ?? '',
      sessionToken: assumed.Credentials?.SessionToken ?? '',
    },
  });
  await squatter.send(new CreateBucketCommand({ Bucket: squatted }));
  // The squatter welcomes every writer and reader.
  await squatter.send(
    new PutBucketPolicyCommand({
      Bucket: squatted,
      Policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: '*',
            Action: ['s3:GetObject', 's3:PutObject'],
            Resource: `arn:aws:s3:::${squatted}/*`,
          },
        ],
      }),
    }),
  );
  await localClient(S3Client).send(new CreateBucketCommand({ Bucket: own }));
});

describe('reports never go to a bucket of the same name in another account', () => {
  it('the report store (ExpectedBucketOwner) is refused by a squatted bucket, and works on its own', async () => {
    const s3 = localClient(S3Client);
    const toSquatted = new S3ReportStore(squatted, 'reports', s3, ACCOUNT);
    await expect(toSquatted.save(REPORT, RENDERED)).rejects.toMatchObject({
      name: 'AccessDenied',
    });
    await expect(toSquatted.latest()).rejects.toMatchObject({ name: 'AccessDenied' });
    expect((await consumeDenials()).map((denial) => denial.reason)).toEqual(
      expect.arrayContaining([expect.stringMatching(/not owned by the expected account/)]),
    );
    const toOwn = new S3ReportStore(own, 'reports', s3, ACCOUNT);
    await expect(toOwn.save(REPORT, RENDERED)).resolves.toMatchObject({
      location: expect.stringContaining(own),
    });
  });

  it('stores where folderOf says, and a summary document with its HTML page beside it', async () => {
    const s3 = localClient(S3Client);
    const member = new S3ReportStore(own, 'organization/210987654321', s3, ACCOUNT);
    const summary = new S3ReportStore(own, 'organization/summary', s3, ACCOUNT);

    const saved = await member.save(REPORT, RENDERED);
    const page = await summary.saveDocument(
      REPORT.generatedAt,
      'organization.json',
      {},
      {
        name: 'organization.html',
        html: '<p>summary</p>',
      },
    );

    expect(saved.location).toBe(member.folderOf(REPORT.generatedAt));
    expect(page.location).toBe(`${summary.folderOf(REPORT.generatedAt)}/organization.json`);
    const key = `${summary.folderOf(REPORT.generatedAt).replace(`s3://${own}/`, '')}/organization.html`;
    const object = await s3.send(new GetObjectCommand({ Bucket: own, Key: key }));
    expect(object.ContentType).toBe('text/html; charset=utf-8');
    expect(await object.Body?.transformToString()).toBe('<p>summary</p>');
  });

  it('the deployed report role may write the report bucket of its own account only (s3:ResourceAccount)', async () => {
    const { roleArn } = await deployedFunction('report');
    const enforcer = new IamEnforcer(new MotoPolicyStore(motoUrl, () => ({})));
    const report = callerOf({
      type: 'AssumedRole',
      arn: `arn:aws:sts::${ACCOUNT}:assumed-role/${roleArn.split('/').pop() ?? ''}/report`,
      accountId: ACCOUNT,
      sessionContext: {
        sessionIssuer: {
          type: 'Role',
          principalId: 'AROA',
          arn: roleArn,
          accountId: ACCOUNT,
          userName: roleArn.split('/').pop() ?? '',
        },
        attributes: { creationDate: new Date().toISOString(), mfaAuthenticated: 'false' },
      },
    });
    const put = (owner: string) =>
      enforcer.authorize(report, {
        action: 's3:PutObject',
        resource: 'arn:aws:s3:::gatewarden-local-reports/reports/latest.json',
        resourceAccount: owner,
        context: { 's3:ResourceAccount': owner },
      });
    expect((await put(ACCOUNT)).allowed).toBe(true);
    const squattedPut = await put(SQUATTER_ACCOUNT);
    expect(squattedPut.allowed).toBe(false);
  });
});
