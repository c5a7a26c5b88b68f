import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packagedTemplate, ROOT, type CfnTemplate } from './packagedTemplate.js';
import { allStatements, asArray, withConditions, type Statement } from './policies.js';

/*
 * Every partition-key prefix the code writes to the state table has an owner, and the table's
 * resource policy denies item writes of it to everyone else (a writer of the table through
 * PowerUserAccess, say). The prefixes are read from the code itself: a new one fails here until
 * it is given an owner (and a policy statement) or a reason to stay open.
 */

// Prepare: the packaged template of `serverless package --stage ci` (shared, cached).
let template: CfnTemplate;

beforeAll(async () => {
  template = (await packagedTemplate()).template;
}, 300_000);

const role = (fn: string) => ({
  'Fn::Sub': `arn:\${AWS::Partition}:iam::\${AWS::AccountId}:role/gatewarden-ci-\${AWS::Region}-${fn}`,
});
const ADMIN = { Ref: 'AdminRoleArn' };
const DETECT = role('detect');
const ROTATE = role('rotate');

/** Each partition-key prefix: who alone writes it, or why it stays with the roles' own grants. */
const PARTITION_KEYS: Record<string, unknown[] | string> = {
  'rotation-binding#': [ADMIN],
  'rotation-ledger#': [ROTATE, ADMIN],
  // Detection state: baselines and last-known states, window counters, dedup claims, bursts.
  'bl#': [DETECT, ADMIN],
  'wc#': [DETECT, ADMIN],
  'dd#': [DETECT, ADMIN],
  'bg#': [DETECT, ADMIN],
  'rotation-lock#': 'open: a rotation lease steers nothing, a forged one delays a rotation',
};
/** Prefixes of sort keys only (never a partition key). */
const SORT_KEYS = ['v#', 'w#', 'version#', 'r#'];

/** The state table's code: every file under lib/ that talks to DynamoDB. */
function stateTableSources(dir = join(ROOT, 'lib')): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return stateTableSources(path);
    if (!entry.name.endsWith('.ts')) return [];
    const text = readFileSync(path, 'utf8');
    return text.includes('@aws-sdk/client-dynamodb') ? [text] : [];
  });
}

/** The key prefixes the code spells: string and template literals starting `word#`. */
function keyPrefixes(): string[] {
  const found = new Set<string>();
  for (const text of stateTableSources()) {
    for (const match of text.matchAll(/['"`]([a-z][a-z-]*#)/g)) found.add(match[1] ?? '');
  }
  return [...found].sort();
}

function tablePolicy(): Statement[] {
  const policy = withConditions(template.Resources.StateTable?.Properties?.ResourcePolicy, {
    HasAdminRole: true,
  }) as { PolicyDocument: { Statement: Statement[] } };
  return policy.PolicyDocument.Statement;
}

/** The deny statements naming `prefix` in dynamodb:LeadingKeys. */
function denialsOf(prefix: string): Statement[] {
  return tablePolicy().filter((s) => {
    const keys = (s.Condition?.['ForAnyValue:StringLike'] as Record<string, unknown> | undefined)?.[
      'dynamodb:LeadingKeys'
    ];
    return s.Effect === 'Deny' && asArray(keys as string[] | undefined).includes(`${prefix}*`);
  });
}

describe('state table key prefixes and their writers', () => {
  it('knows every key prefix the code writes (a new one needs an owner here)', () => {
    const known = [...Object.keys(PARTITION_KEYS), ...SORT_KEYS];
    expect(keyPrefixes().filter((prefix) => !known.includes(prefix))).toEqual([]);
    // And the scan sees the stores: every known prefix is still spelled somewhere.
    expect(known.filter((prefix) => !keyPrefixes().includes(prefix))).toEqual([]);
  });

  it.each(Object.entries(PARTITION_KEYS).filter(([, owners]) => Array.isArray(owners)))(
    '%s: every item write denied to all but its owners',
    (prefix, owners) => {
      const denials = denialsOf(prefix);
      expect(denials).toHaveLength(1);
      const [statement] = denials;
      expect(statement).toMatchObject({ Effect: 'Deny', Principal: '*' });
      expect(asArray(statement?.Action).sort()).toEqual([
        'dynamodb:BatchWriteItem',
        'dynamodb:DeleteItem',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
      ]);
      const exempt = (statement?.Condition?.StringNotEquals as Record<string, unknown>)[
        'aws:PrincipalArn'
      ];
      expect(asArray(exempt)).toEqual(owners);
      expect(Object.keys(statement?.Condition ?? {}).sort()).toEqual([
        'ForAnyValue:StringLike',
        'StringNotEquals',
      ]);
    },
  );

  it('names no prefix in the policy that the code does not write', () => {
    const named = tablePolicy().flatMap((s) =>
      asArray(
        (s.Condition?.['ForAnyValue:StringLike'] as Record<string, string[]> | undefined)?.[
          'dynamodb:LeadingKeys'
        ],
      ),
    );
    const owned = Object.entries(PARTITION_KEYS)
      .filter(([, owners]) => Array.isArray(owners))
      .map(([prefix]) => `${prefix}*`);
    expect(named.sort()).toEqual(owned.sort());
  });

  it("protects every prefix the detect role's grant reaches", () => {
    const grants = allStatements(template)
      .filter((s) => s.where.startsWith('DetectRole/') && s.statement.Effect === 'Allow')
      .map((s) => s.statement)
      .filter((s) => asArray(s.Action).some((a) => a.startsWith('dynamodb:')));
    const reached = grants.flatMap((s) =>
      asArray(
        (s.Condition?.['ForAllValues:StringLike'] as Record<string, string[]> | undefined)?.[
          'dynamodb:LeadingKeys'
        ],
      ),
    );
    expect(reached.length).toBeGreaterThan(0);
    for (const pattern of reached) {
      const owners = PARTITION_KEYS[pattern.replace(/\*$/, '')];
      expect([pattern, owners]).toEqual([pattern, [DETECT, ADMIN]]);
    }
  });
});
