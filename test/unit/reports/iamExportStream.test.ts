import { execFile } from 'node:child_process';
import fc from 'fast-check';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ReportInputError } from '../../../lib/reports/errors.js';
import {
  ExportSectionScanner,
  type ExportPart,
} from '../../../lib/reports/ExportSectionScanner.js';
import { AuthorizationDetailsFile } from '../../../lib/reports/iamFile.js';
import { snapshotFromAuthorizationDetails } from '../../../lib/reports/iamModel.js';

const SECTIONS = new Set(['UserDetailList', 'GroupDetailList', 'RoleDetailList', 'Policies']);

function scan(text: string, cuts: number[]): ExportPart[] {
  const bytes = Buffer.from(text, 'utf8');
  const scanner = new ExportSectionScanner(SECTIONS);
  const out: ExportPart[] = [];
  let at = 0;
  for (const cut of [...cuts.filter((c) => c > 0 && c < bytes.length)].sort((a, b) => a - b)) {
    out.push(...scanner.push(bytes.subarray(at, cut)));
    at = cut;
  }
  out.push(...scanner.push(bytes.subarray(at)));
  scanner.end();
  return out;
}

const doc = (i: number) => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::b-${i}/*` }],
});

function role(i: number, name = `r-${i}`): Record<string, unknown> {
  return {
    Path: '/',
    RoleName: name,
    Arn: `arn:aws:iam::111122223333:role/${name}`,
    AssumeRolePolicyDocument: encodeURIComponent(
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { Service: 'lambda.amazonaws.com' },
            Action: 'sts:AssumeRole',
          },
        ],
      }),
    ),
    RolePolicyList: [{ PolicyName: `p-${i}`, PolicyDocument: doc(i) }],
    AttachedManagedPolicies: [{ PolicyName: 'M', PolicyArn: 'arn:aws:iam::111122223333:policy/M' }],
  };
}

const CLI = join(dirname(fileURLToPath(import.meta.url)), '../../../bin/gatewarden.js');

const tmp = () => mkdtempSync(join(tmpdir(), 'gw-iamstream-'));

describe('ExportSectionScanner', () => {
  it('yields every element whatever the chunk boundaries (strings with braces, escapes, UTF-8)', () => {
    // Prepare: names and documents with the characters a byte scanner can trip on.
    const tricky = ['a"}]{[,', 'ü—日本\\', 'x\\"y', ''];
    const details = {
      IsTruncated: false,
      UserDetailList: [{ UserName: 'u', Arn: 'arn:aws:iam::1:user/u', Note: tricky }],
      GroupDetailList: [],
      RoleDetailList: tricky.map((t, i) => ({ ...role(i), Description: t })),
      Marker: null,
      Policies: [{ Arn: 'x', Nested: { deep: [[{ a: '}' }]] } }],
    };
    const text = JSON.stringify(details, null, 4);
    const expected = scan(text, []);

    // Act / Assess
    fc.assert(
      fc.property(fc.array(fc.nat(text.length * 2), { maxLength: 40 }), (cuts) => {
        expect(scan(text, cuts)).toEqual(expected);
      }),
    );
    expect(
      expected.filter((p) => p.key === 'RoleDetailList').map((p) => JSON.parse(p.text)),
    ).toEqual(details.RoleDetailList);
    expect(expected.find((p) => p.key === 'IsTruncated')?.text).toBe('false');
    expect(expected.find((p) => p.key === 'Marker')?.text).toBe('null');
    expect(expected.find((p) => p.key === 'Policies')?.text).toBe(
      JSON.stringify(details.Policies[0], null, 4).replace(/\n/g, '\n        '),
    );
  });

  it.each([
    ['an array', '[]', 'expected a JSON object'],
    ['a truncated export', '{"RoleDetailList": [{"RoleName": "a"', 'truncated'],
    ['text after the object', '{"Policies": []} {}', 'text after the end'],
  ])('refuses %s', (_name, text, message) => {
    expect(() => scan(text, [])).toThrow(message);
  });
});

describe('AuthorizationDetailsFile (streamed)', () => {
  it('reads the same snapshot as parsing the export whole, Policies last as the CLI writes them', async () => {
    // Prepare
    const details = {
      UserDetailList: [
        {
          UserName: 'dev',
          Arn: 'arn:aws:iam::111122223333:user/dev',
          GroupList: ['G', 'Gone'],
          AttachedManagedPolicies: [],
          UserPolicyList: [],
        },
      ],
      GroupDetailList: [
        {
          GroupName: 'G',
          GroupPolicyList: [],
          AttachedManagedPolicies: [{ PolicyArn: 'arn:aws:iam::111122223333:policy/M' }],
        },
      ],
      RoleDetailList: Array.from({ length: 300 }, (_, i) => role(i)),
      Policies: [
        {
          PolicyName: 'M',
          Arn: 'arn:aws:iam::111122223333:policy/M',
          DefaultVersionId: 'v2',
          PolicyVersionList: [
            { Document: doc(1), VersionId: 'v1', IsDefaultVersion: false },
            { Document: doc(2), VersionId: 'v2', IsDefaultVersion: true },
          ],
        },
      ],
    };
    const file = join(tmp(), 'iam.json');
    writeFileSync(file, JSON.stringify(details, null, 4));
    const progress: number[] = [];

    // Act
    const streamed = await new AuthorizationDetailsFile(file).load((p) => progress.push(p.done));

    // Assess
    expect(streamed).toEqual(snapshotFromAuthorizationDetails(details));
    expect(streamed.principals).toHaveLength(301);
    expect(streamed.missingGroups).toEqual(['Gone']);
    expect(progress.length).toBeGreaterThan(0);
  });

  it('refuses an export with more principals than allowed, naming the option', async () => {
    // Prepare
    const file = join(tmp(), 'iam.json');
    writeFileSync(
      file,
      JSON.stringify({ RoleDetailList: Array.from({ length: 11 }, (_, i) => role(i)) }),
    );

    // Act
    const tooMany = new AuthorizationDetailsFile(file, { maxPrincipals: 10 }).load();
    const enough = new AuthorizationDetailsFile(file, { maxPrincipals: 11 }).load();

    // Assess
    await expect(tooMany).rejects.toThrow(
      'IAM input holds more than 10 roles and users (--max-principals 10)',
    );
    await expect(tooMany).rejects.toBeInstanceOf(ReportInputError);
    await expect(enough).resolves.toMatchObject({ principals: expect.any(Array) });
  });

  it('the CLI refuses it as a usage error (exit 2) before any analysis, naming --max-principals', async () => {
    // Prepare
    const file = join(tmp(), 'iam.json');
    writeFileSync(file, JSON.stringify({ RoleDetailList: [role(1), role(2), role(3)] }));

    // Act
    const run = promisify(execFile)(process.execPath, [
      CLI,
      'report',
      '--no-progress',
      '--iam',
      file,
      '--max-principals',
      '2',
    ]);

    // Assess
    await expect(run).rejects.toMatchObject({
      code: 2,
      stdout: '',
      stderr: expect.stringContaining('holds more than 2 roles and users (--max-principals 2)'),
    });
  }, 60_000);

  it.each([
    ['an empty section', '{"RoleDetailList": []}', undefined],
    ['invalid JSON inside an element', '{"RoleDetailList": [{"RoleName": x}]}', 'not valid JSON'],
    ['a wrong element', '{"RoleDetailList": [{"RoleName": 1}]}', 'RoleDetailList.0.RoleName'],
    ['a section that is not a list', '{"RoleDetailList": {}}', 'RoleDetailList is not a list'],
  ])('%s', async (_name, text, message) => {
    const file = join(tmp(), 'iam.json');
    writeFileSync(file, text);
    const loading = new AuthorizationDetailsFile(file).load();
    if (message === undefined) await expect(loading).resolves.toMatchObject({ principals: [] });
    else await expect(loading).rejects.toThrow(message);
  });
});
