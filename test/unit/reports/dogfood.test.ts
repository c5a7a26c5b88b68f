import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { IamDataCatalog } from '../../../lib/reports/catalog.js';
import { authorizationDetailsFromTemplate } from '../../../lib/reports/cfnTemplate.js';
import { MemoryIamSource } from '../../../lib/reports/iamFile.js';
import {
  snapshotFromAuthorizationDetails,
  type IamSnapshot,
} from '../../../lib/reports/iamModel.js';
import { generateReport } from '../../../lib/reports/report.js';
import type { AccessReport } from '../../../lib/reports/reportTypes.js';
import { packagedTemplate, ROOT } from '../infra/packagedTemplate.js';

/*
 * Dogfood: gatewarden's own least-privilege analysis on gatewarden's own packaged stack
 * (`serverless package --stage ci`, the same template `.serverless/` gets; the package is
 * shared with the infrastructure tests and cached by a hash of its inputs). One role per
 * function, and every wildcard grant must carry a comment in resources/*.yml saying why.
 */
const RESOURCES = path.join(ROOT, 'resources');

interface YamlFile {
  file: string;
  lines: string[];
}

function yamlFiles(): YamlFile[] {
  return readdirSync(RESOURCES)
    .filter((f) => f.endsWith('.yml'))
    .map((f) => ({
      file: `resources/${f}`,
      lines: readFileSync(path.join(RESOURCES, f), 'utf8').split('\n'),
    }));
}

/**
 * The justification of a wildcard statement: a comment on the lines right above its `- Sid:`
 * line (or its `Fn::If` wrapper), or inside the statement. Undefined when there is none.
 */
export function justification(
  files: YamlFile[],
  roleLogicalId: string,
  sid: string | undefined,
): string | undefined {
  if (sid === undefined) return undefined;
  const owner = files.find((f) =>
    f.lines.some((l) => new RegExp(`^\\s{2}${roleLogicalId}:\\s*$`).test(l)),
  );
  if (owner === undefined) return undefined;
  const start = owner.lines.findIndex((l) =>
    new RegExp(`^\\s*(- )?Sid:\\s*['"]?${sid}['"]?\\s*$`).test(l),
  );
  if (start < 0) return undefined;
  const indent =
    (owner.lines[start]?.search(/\S/) ?? 0) -
    (owner.lines[start]?.trimStart().startsWith('- ') ? 0 : 2);
  const comments: string[] = [];
  for (let i = start - 1; i >= 0; i--) {
    const line = owner.lines[i] ?? '';
    if (/^\s*#/.test(line)) comments.unshift(line.trim());
    else if (/^\s*-?\s*!If\s*$/.test(line) || /^\s*- \w+\s*$/.test(line) || /^\s*- !If/.test(line))
      continue;
    else break;
  }
  for (let i = start + 1; i < owner.lines.length; i++) {
    const line = owner.lines[i] ?? '';
    if (line.trim() !== '' && line.search(/\S/) <= indent && /^\s*- /.test(line)) break;
    const hash = line.indexOf('#');
    if (hash >= 0) comments.push(line.slice(hash).trim());
  }
  return comments.length > 0 ? comments.join(' ') : undefined;
}

describe('dogfood: the analysis on gatewarden’s own packaged template', () => {
  let report: AccessReport;
  let logicalIds: Map<string, string>;
  let functionRoles: string[];
  let snapshot: IamSnapshot;

  beforeAll(async () => {
    const { template } = await packagedTemplate();
    const details = authorizationDetailsFromTemplate(template as never);
    logicalIds = new Map(
      (details.RoleDetailList as { Arn: string; LogicalId: string }[]).map((r) => [
        r.Arn,
        r.LogicalId,
      ]),
    );
    functionRoles = Object.values(template.Resources)
      .filter((r) => r.Type === 'AWS::Lambda::Function')
      .map((r) => JSON.stringify((r.Properties as { Role?: unknown }).Role));
    snapshot = snapshotFromAuthorizationDetails(details);
    report = await generateReport({
      iam: new MemoryIamSource(details),
      catalog: new IamDataCatalog(),
    });
  }, 600_000);

  it('gives every function its own role', () => {
    expect(functionRoles.length).toBeGreaterThanOrEqual(4);
    expect(new Set(functionRoles).size).toBe(functionRoles.length);
    expect(report.roles.length).toBeGreaterThanOrEqual(functionRoles.length);
  });

  it('grants no high-risk action on every resource', () => {
    expect(
      report.roles.flatMap((r) =>
        r.highRiskGrants.map((h) => `${r.name}: ${h.action} (${h.riskId})`),
      ),
    ).toEqual([]);
  });

  it('grants no action the IAM catalog does not know', () => {
    expect(report.roles.flatMap((r) => r.unknownActions.map((a) => `${r.name}: ${a}`))).toEqual([]);
  });

  it('justifies every wildcard grant with a comment in resources/*.yml', () => {
    // Stricter than the report's wildcardGrants: here even `Resource: "*"` on actions that
    // support no resource type needs its comment, so a reader sees why at the grant.
    const files = yamlFiles();
    const wild = snapshot.principals.flatMap((role) =>
      role.policies.flatMap((policy) =>
        policy.document.statements
          .filter((s) => s.effect === 'Allow')
          .filter(
            (s) =>
              s.notAction ||
              s.notResource ||
              s.actions.some((a) => /[*?]/.test(a)) ||
              s.resources.includes('*'),
          )
          .map((s) => ({
            role: logicalIds.get(role.arn) ?? role.name,
            sid: s.sid,
            what: `${s.actions.join(',')} on ${s.resources.join(',')}`,
          })),
      ),
    );
    expect(wild.length).toBeGreaterThan(0);
    const unjustified = wild
      .filter((w) => justification(files, w.role, w.sid) === undefined)
      .map((w) => `${w.role} ${w.sid ?? '(no Sid)'}: ${w.what}`);
    expect(unjustified).toEqual([]);
  });

  // The trust-boundary statements reach the analysis with their conditions: the report judges
  // the rotate role as scoped by tag and leading key, not as open grants.
  it.each([
    ['RegisteredCredentialProviders', 'StringEquals', 'aws:ResourceTag/gatewarden:rotated'],
    ['CognitoClientSecretIssuer', 'StringEquals', 'aws:ResourceTag/gatewarden:rotated'],
    [
      'AgentCoreManagedProviderSecrets',
      'StringEquals',
      'aws:ResourceTag/aws:secretsmanager:owningService',
    ],
    ['ReadBindingsAndLedger', 'ForAllValues:StringLike', 'dynamodb:LeadingKeys'],
    ['WriteLedger', 'ForAllValues:StringLike', 'dynamodb:LeadingKeys'],
  ])('keeps the condition of RotateRole %s (%s %s)', (sid, operator, key) => {
    const rotate = snapshot.principals.find((p) => logicalIds.get(p.arn) === 'RotateRole');
    const statement = rotate?.policies
      .flatMap((policy) => policy.document.statements)
      .find((st) => st.sid === sid);
    expect(Object.keys(statement?.conditions?.[operator] ?? {})).toContain(key);
  });

  it('reports no wildcard grant that a specific action or ARN could replace', () => {
    expect(
      report.roles.flatMap((r) => r.wildcardGrants.map((w) => `${r.name}: ${w.actions.join(',')}`)),
    ).toEqual([]);
  });
});

describe('justification (the comment finder the dogfood test relies on)', () => {
  const file = (text: string): YamlFile[] => [{ file: 'x.yml', lines: text.split('\n') }];
  const yaml = `Resources:
  SomeRole:
    Properties:
      Policies:
        - PolicyDocument:
            Statement:
              # No resource-level scoping exists for these.
              - Sid: Justified
                Action: a:B*
                Resource: '*'
              - Sid: Bare
                Action: a:C*
                Resource: '*'
              - Sid: Inline
                Action: a:D*
                Resource: '*' # tag-based access, see ADR 7
`;
  it.each([
    ['Justified', 'No resource-level'],
    ['Inline', 'tag-based'],
  ])('finds the comment of %s', (sid, text) => {
    expect(justification(file(yaml), 'SomeRole', sid)).toContain(text);
  });
  it.each([['Bare'], [undefined]])('finds none for %s', (sid) => {
    expect(justification(file(yaml), 'SomeRole', sid)).toBeUndefined();
  });
});
