import { BINDING_PK, LEDGER_PK } from '../../../lib/aws/bindingStore.js';
import {
  BINDING_MAC_KEY_ARN,
  LEDGER_MAC_KEY_ARN,
  SECRETS_KEY_ARN,
  STATE_TABLE_ARN,
} from './kept.js';
import { packagedTemplate, type CfnTemplate } from './packagedTemplate.js';
import {
  allStatements,
  asArray,
  resourceText,
  type LocatedStatement,
  type Statement,
  withConditions,
} from './policies.js';

/*
 * The rotation trust boundary (issue 8) in the deployed roles: every statement of the rotate
 * role is pinned to its actions, resources and conditions (a new statement fails until it gets
 * a row here), and what must never be granted is checked across every role.
 */

// Prepare: the packaged template of `serverless package --stage ci` (shared, cached).
let template: CfnTemplate;
let statements: LocatedStatement[];

beforeAll(async () => {
  template = (await packagedTemplate()).template;
  statements = allStatements(template);
}, 300_000);

const ROLES = ['RotateRole', 'RotateNowRole', 'DetectRole', 'ReportRole'];
const SUB = (text: string) => ({ 'Fn::Sub': text });
const ARN = 'arn:${AWS::Partition}';
const HERE = '${AWS::Region}:${AWS::AccountId}';
const VIA_SECRETS_MANAGER = {
  StringEquals: { 'kms:ViaService': SUB('secretsmanager.${AWS::Region}.amazonaws.com') },
};
const TAGGED = { StringEquals: { 'aws:ResourceTag/gatewarden:rotated': 'true' } };
const leadingKeys = (...patterns: string[]) => ({
  'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': patterns },
});
const PROVIDER_ACTIONS = [
  'bedrock-agentcore:UpdateApiKeyCredentialProvider',
  'bedrock-agentcore:GetOauth2CredentialProvider',
  'bedrock-agentcore:UpdateOauth2CredentialProvider',
];

/** Allow statements of one role's inline policies (not its trust policy). */
function roleStatements(role: string): Statement[] {
  return statements
    .filter((s) => s.where.startsWith(`${role}/`) && !s.where.endsWith('/trust'))
    .map((s) => s.statement)
    .filter((s) => s.Effect === 'Allow');
}

/** The CloudFormation condition a statement is wrapped in (`Fn::If`), if any. */
function wrappingCondition(role: string, sid: string): string | undefined {
  const props = template.Resources[role]?.Properties as {
    Policies: { PolicyDocument: { Statement: unknown[] } }[];
  };
  for (const entry of props.Policies.flatMap((p) => p.PolicyDocument.Statement)) {
    const branch = (entry as { 'Fn::If'?: [string, Statement, unknown] })['Fn::If'];
    if (branch && branch[1].Sid === sid) return branch[0];
  }
  return undefined;
}

// [Sid, actions, resources (as in the template), condition, CloudFormation condition]
type Row = [string, string[], unknown[], Record<string, unknown> | undefined, string?];

const ROTATE_ROLE: Row[] = [
  [
    'WriteOwnLogs',
    ['logs:CreateLogStream', 'logs:PutLogEvents'],
    [SUB(`${ARN}:logs:${HERE}:log-group:/aws/lambda/gatewarden-ci-rotate:*`)],
    undefined,
  ],
  [
    'RotateGatewardenSecrets',
    [
      'secretsmanager:DescribeSecret',
      'secretsmanager:GetSecretValue',
      'secretsmanager:PutSecretValue',
      'secretsmanager:UpdateSecretVersionStage',
      'secretsmanager:ListSecretVersionIds',
    ],
    [SUB(`${ARN}:secretsmanager:${HERE}:secret:gatewarden/*`)],
    undefined,
  ],
  [
    'RecordRotationFailure',
    ['secretsmanager:TagResource', 'secretsmanager:UntagResource'],
    [SUB(`${ARN}:secretsmanager:${HERE}:secret:gatewarden/*`)],
    {
      'ForAllValues:StringEquals': {
        'aws:TagKeys': ['gatewarden:last-rotation-error', 'gatewarden:rotation-step'],
      },
    },
  ],
  [
    'ReadIssuerAdminSecrets',
    ['secretsmanager:GetSecretValue'],
    [SUB(`${ARN}:secretsmanager:${HERE}:secret:gatewarden-admin/*`)],
    undefined,
  ],
  [
    'WriteBackRegistrationToken',
    ['secretsmanager:PutSecretValue'],
    [SUB(`${ARN}:secretsmanager:${HERE}:secret:gatewarden-admin/*`)],
    undefined,
  ],
  [
    'AgentCoreManagedProviderSecrets',
    ['secretsmanager:DescribeSecret', 'secretsmanager:PutSecretValue'],
    [SUB(`${ARN}:secretsmanager:${HERE}:secret:bedrock-agentcore-identity!default/*`)],
    {
      StringEquals: {
        'aws:ResourceTag/aws:secretsmanager:owningService': 'bedrock-agentcore-identity',
      },
    },
  ],
  ['GenerateKeys', ['secretsmanager:GetRandomPassword'], ['*'], undefined],
  [
    'SecretsKeyViaSecretsManager',
    ['kms:Decrypt', 'kms:GenerateDataKey'],
    [SECRETS_KEY_ARN],
    VIA_SECRETS_MANAGER,
  ],
  [
    'ExtraSecretsKeysViaSecretsManager',
    ['kms:Decrypt', 'kms:GenerateDataKey'],
    [{ Ref: 'ExtraSecretsKmsKeyArns' }],
    VIA_SECRETS_MANAGER,
    'HasExtraSecretsKeys',
  ],
  [
    'TokenVaultKeyViaSecretsManager',
    ['kms:Decrypt', 'kms:GenerateDataKey'],
    [{ Ref: 'TokenVaultKmsKeyArn' }],
    VIA_SECRETS_MANAGER,
    'HasTokenVaultKey',
  ],
  [
    'TokenVault',
    PROVIDER_ACTIONS,
    [SUB(`${ARN}:bedrock-agentcore:${HERE}:token-vault/default`)],
    undefined,
  ],
  [
    'RegisteredCredentialProviders',
    PROVIDER_ACTIONS,
    [
      SUB(`${ARN}:bedrock-agentcore:${HERE}:token-vault/default/apikeycredentialprovider/*`),
      SUB(`${ARN}:bedrock-agentcore:${HERE}:token-vault/default/oauth2credentialprovider/*`),
    ],
    TAGGED,
  ],
  [
    'ReadGatewayAuthorizer',
    ['bedrock-agentcore:GetGateway'],
    [SUB(`${ARN}:bedrock-agentcore:${HERE}:gateway/*`)],
    undefined,
  ],
  [
    'CognitoClientSecretIssuer',
    [
      'cognito-idp:AddUserPoolClientSecret',
      'cognito-idp:ListUserPoolClientSecrets',
      'cognito-idp:DeleteUserPoolClientSecret',
    ],
    // Any region: a pool may sit elsewhere than the stack; the tag scopes it.
    [SUB(`${ARN}:cognito-idp:*:\${AWS::AccountId}:userpool/*`)],
    TAGGED,
  ],
  [
    'ReadBindingsAndLedger',
    ['dynamodb:GetItem'],
    [STATE_TABLE_ARN],
    leadingKeys('rotation-binding#*', 'rotation-ledger#*'),
  ],
  ['ListLedger', ['dynamodb:Query'], [STATE_TABLE_ARN], leadingKeys('rotation-ledger#*')],
  ['WriteLedger', ['dynamodb:PutItem'], [STATE_TABLE_ARN], leadingKeys('rotation-ledger#*')],
  // Ledger records are MACed by the rotator; bindings only checked (the admin signs them).
  ['SignLedger', ['kms:GenerateMac', 'kms:VerifyMac'], [LEDGER_MAC_KEY_ARN], undefined],
  ['VerifyBindings', ['kms:VerifyMac'], [BINDING_MAC_KEY_ARN], undefined],
  [
    'WebhookIssuerFunctions',
    ['lambda:InvokeFunction'],
    [SUB(`${ARN}:lambda:${HERE}:function:gatewarden-issuer-*`)],
    undefined,
  ],
  ['PublishAlerts', ['sns:Publish'], [{ Ref: 'AlertTopic' }], undefined],
  [
    'AlertsKeyViaSns',
    ['kms:Decrypt', 'kms:GenerateDataKey'],
    [{ 'Fn::GetAtt': ['AlertsKey', 'Arn'] }],
    { StringEquals: { 'kms:ViaService': SUB('sns.${AWS::Region}.amazonaws.com') } },
  ],
  ['PublishEvents', ['events:PutEvents'], [{ 'Fn::GetAtt': ['EventBus', 'Arn'] }], undefined],
];

describe('rotate role: every statement is the narrowest the code needs', () => {
  // Padded: jest passes `done` in place of a missing last column.
  it.each(ROTATE_ROLE.map((row) => [row[0], row[1], row[2], row[3], row[4] ?? null] as const))(
    '%s grants %j on %j with condition %j',
    (sid, actions, resources, condition, cfnCondition) => {
      const found = roleStatements('RotateRole').filter((s) => s.Sid === sid);
      expect(found).toHaveLength(1);
      const [statement] = found as [Statement];
      expect(asArray(statement.Action).sort()).toEqual([...actions].sort());
      expect(asArray(statement.Resource)).toEqual(resources);
      expect(statement.Condition).toEqual(condition);
      expect(wrappingCondition('RotateRole', sid) ?? null).toBe(cfnCondition);
    },
  );

  it('holds no statement without a row above', () => {
    const sids = roleStatements('RotateRole').map((s) => s.Sid);
    expect(sids.sort()).toEqual(ROTATE_ROLE.map(([sid]) => sid).sort());
  });

  it.each([
    ['HasExtraSecretsKeys', 'ExtraSecretsKmsKeyArns'],
    ['HasTokenVaultKey', 'TokenVaultKmsKeyArn'],
    ['HasAdminRole', 'AdminRoleArn'],
  ])('%s is off when %s keeps its default (none)', (condition, parameter) => {
    expect(template.Parameters?.[parameter]?.Default).toBe('');
    expect(JSON.stringify(template.Conditions?.[condition])).toContain(
      JSON.stringify({ Ref: parameter }),
    );
    expect(JSON.stringify(template.Conditions?.[condition])).toMatch(
      /^\{"Fn::Not":\[\{"Fn::Equals"/,
    );
  });

  it('exports the admin role only when one is set, next to the rotator role', () => {
    const outputs = template.Outputs as Record<string, { Value: unknown; Condition?: string }>;
    expect(outputs.AdminRoleArn).toMatchObject({
      Condition: 'HasAdminRole',
      Value: { Ref: 'AdminRoleArn' },
    });
    expect(outputs.RotatorRoleArn?.Value).toEqual({ 'Fn::GetAtt': ['RotateRole', 'Arn'] });
  });
});

/** Whether one `StringLike` pattern (`*` and `?` wildcards) matches a value. */
function like(pattern: string, value: string): boolean {
  const source = pattern
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`).test(value);
}

/**
 * Whether `role` may call a DynamoDB `action` on the state-table item with partition key `pk`.
 * Understands the one condition the roles use (`dynamodb:LeadingKeys`); any other fails.
 */
function dynamoAllows(role: string, action: string, pk: string): boolean {
  return roleStatements(role)
    .filter((s) => asArray(s.Action).includes(action))
    .some((s) => {
      // The state table in use: this stack's, or the kept one a redeploy names.
      expect(asArray(s.Resource)).toEqual([STATE_TABLE_ARN]);
      if (s.Condition === undefined) return true;
      expect(Object.keys(s.Condition)).toEqual(['ForAllValues:StringLike']);
      const inner = s.Condition['ForAllValues:StringLike'] as Record<string, string[]>;
      expect(Object.keys(inner)).toEqual(['dynamodb:LeadingKeys']);
      return asArray(inner['dynamodb:LeadingKeys']).some((p) => like(p, pk));
    });
}

const SECRET_ARN =
  'arn:aws:secretsmanager:us-east-1:123456789012:secret:gatewarden/gw/apikey/x-AbCdEf';
const BINDING = `${BINDING_PK}${SECRET_ARN}`;
const LEDGER = `${LEDGER_PK}${SECRET_ARN}`;
const LEASE = `rotation-lock#${SECRET_ARN}`;
/** Every DynamoDB action that writes an item (transactions authorize as these too). */
const DYNAMO_WRITES = [
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:PartiQLInsert',
  'dynamodb:PartiQLUpdate',
  'dynamodb:PartiQLDelete',
];

describe('state table: each role reaches only the items its code uses', () => {
  it('uses the binding and ledger key prefixes of lib/aws/bindingStore.ts', () => {
    expect([BINDING_PK, LEDGER_PK]).toEqual(['rotation-binding#', 'rotation-ledger#']);
  });

  // [role, action, partition key, allowed]
  it.each([
    // rotate: reads the binding and its ledger, writes only the ledger.
    ['RotateRole', 'dynamodb:GetItem', BINDING, true],
    ['RotateRole', 'dynamodb:GetItem', LEDGER, true],
    ['RotateRole', 'dynamodb:PutItem', LEDGER, true],
    ['RotateRole', 'dynamodb:Query', LEDGER, true],
    ['RotateRole', 'dynamodb:Query', BINDING, false],
    ['RotateRole', 'dynamodb:PutItem', BINDING, false],
    ['RotateRole', 'dynamodb:PutItem', LEASE, false],
    ['RotateRole', 'dynamodb:GetItem', 'bl#sourceIp#role', false],
    // rotateNow's sweep checks the current document: reads only.
    ['RotateNowRole', 'dynamodb:GetItem', BINDING, true],
    ['RotateNowRole', 'dynamodb:GetItem', LEDGER, true],
    ['RotateNowRole', 'dynamodb:PutItem', LEDGER, false],
    ['RotateNowRole', 'dynamodb:PutItem', BINDING, false],
    // detect: baselines bl#, window counters wc#, dedup claims dd# (lib/aws/detectionState.ts).
    ['DetectRole', 'dynamodb:UpdateItem', 'bl#sourceIp#role', true],
    ['DetectRole', 'dynamodb:Query', 'wc#calls#role', true],
    ['DetectRole', 'dynamodb:PutItem', 'dd#rule#key', true],
    ['DetectRole', 'dynamodb:DeleteItem', 'dd#rule#key', true],
    // detect's bursts bg# (lib/aws/burstStore.ts).
    ['DetectRole', 'dynamodb:Query', 'bg#k#rule|group|role', true],
    ['DetectRole', 'dynamodb:PutItem', 'bg#due', true],
    ['DetectRole', 'dynamodb:Query', BINDING, false],
    ['DetectRole', 'dynamodb:PutItem', BINDING, false],
    ['DetectRole', 'dynamodb:UpdateItem', BINDING, false],
    ['DetectRole', 'dynamodb:PutItem', LEDGER, false],
    ['DetectRole', 'dynamodb:DeleteItem', LEASE, false],
    ['DetectRole', 'dynamodb:Query', LEDGER, false],
    ['ReportRole', 'dynamodb:GetItem', BINDING, false],
  ])('%s %s on %s: %s', (role, action, pk, allowed) => {
    expect(dynamoAllows(role, action, pk)).toBe(allowed);
  });

  it.each(ROLES)('%s cannot write a rotation binding with any write action', (role) => {
    const writes = DYNAMO_WRITES.filter((action) => dynamoAllows(role, action, BINDING));
    expect(writes).toEqual([]);
  });

  it.each(ROLES)('%s holds no DynamoDB grant without a leading-key condition', (role) => {
    const open = roleStatements(role).filter(
      (s) =>
        asArray(s.Action).some((a) => a.startsWith('dynamodb:')) &&
        JSON.stringify(s.Condition ?? {}).indexOf('dynamodb:LeadingKeys') < 0,
    );
    expect(open.map((s) => s.Sid)).toEqual([]);
  });
});

describe('non-grants across every role', () => {
  const ALLOWED_SECRET_READS = [
    ':secret:gatewarden/*',
    ':secret:gatewarden-admin/*',
    // detect's optional chat webhook URL: the stack's own secret, by ARN (chatWebhookSecret.test.ts).
    '{"Ref":"ChatWebhookSecret"}',
  ];

  it.each(ROLES)('%s reads no secret value outside gatewarden/ and gatewarden-admin/', (role) => {
    const reads = roleStatements(role)
      .filter((s) => asArray(s.Action).includes('secretsmanager:GetSecretValue'))
      .flatMap((s) => asArray(s.Resource).map(resourceText))
      .filter((text) => !ALLOWED_SECRET_READS.some((suffix) => text.endsWith(suffix)));
    expect(reads).toEqual([]);
  });

  it.each(['RotateNowRole', 'DetectRole'])(
    '%s starts rotations only with the deployed rotate function and changes no schedule',
    (role) => {
      const rotating = roleStatements(role).filter((s) =>
        asArray(s.Action).includes('secretsmanager:RotateSecret'),
      );
      expect(rotating.length).toBeGreaterThan(0);
      for (const statement of rotating) {
        expect(statement.Condition).toEqual({
          StringEqualsIfExists: {
            'secretsmanager:RotationLambdaARN': { 'Fn::GetAtt': ['RotateLambdaFunction', 'Arn'] },
          },
          BoolIfExists: { 'secretsmanager:ModifyRotationRules': 'false' },
        });
      }
    },
  );

  it('lets only the rotate role read issuer admin secrets besides rotateNow, and only rotate write one', () => {
    const on = (action: string) =>
      ROLES.filter((role) =>
        roleStatements(role).some(
          (s) =>
            asArray(s.Action).includes(action) &&
            asArray(s.Resource).some((r) => resourceText(r).endsWith(':secret:gatewarden-admin/*')),
        ),
      );
    expect(on('secretsmanager:GetSecretValue')).toEqual(['RotateRole', 'RotateNowRole']);
    expect(on('secretsmanager:PutSecretValue')).toEqual(['RotateRole']);
  });

  it.each(ROLES)(
    '%s updates no credential provider without the gatewarden tag condition',
    (role) => {
      const loose = roleStatements(role).filter(
        (s) =>
          asArray(s.Action).some((a) =>
            /^bedrock-agentcore:Update\w*CredentialProvider$/.test(a),
          ) &&
          asArray(s.Resource).some((r) => /credentialprovider\//.test(resourceText(r))) &&
          JSON.stringify(s.Condition) !== JSON.stringify(TAGGED),
      );
      expect(loose.map((s) => s.Sid)).toEqual([]);
    },
  );

  it.each(ROLES)('%s changes Cognito client secrets only on tagged pools', (role) => {
    const loose = roleStatements(role).filter(
      (s) =>
        asArray(s.Action).some((a) => /^cognito-idp:\w*UserPoolClientSecrets?$/.test(a)) &&
        JSON.stringify(s.Condition) !== JSON.stringify(TAGGED),
    );
    expect(loose.map((s) => s.Sid)).toEqual([]);
  });

  // MACs are made and checked by the function itself (no service in between): those two
  // actions only, on named keys.
  it.each(ROLES)('%s uses KMS only on named keys, through one service (MACs: directly)', (role) => {
    const mac = (a: string) => a === 'kms:GenerateMac' || a === 'kms:VerifyMac';
    const loose = roleStatements(role).filter(
      (s) =>
        asArray(s.Action).some((a) => a.startsWith('kms:')) &&
        (asArray(s.Resource).includes('*') ||
          (!asArray(s.Action).every(mac) &&
            !JSON.stringify(s.Condition ?? {}).includes('"kms:ViaService"'))),
    );
    expect(loose.map((s) => s.Sid)).toEqual([]);
  });

  // The sweep's role too: taking back an abandoned rotation of a MANAGED provider updates the
  // provider, and Identity writes its managed secret with the caller's rights.
  it('writes AgentCore-managed secrets only from the rotate and sweep roles, only those AgentCore owns', () => {
    const writers = ROLES.flatMap((role) =>
      roleStatements(role)
        .filter(
          (s) =>
            asArray(s.Action).includes('secretsmanager:PutSecretValue') &&
            asArray(s.Resource).some((r) =>
              resourceText(r).includes(':secret:bedrock-agentcore-identity!'),
            ),
        )
        .map((s) => ({ role, condition: s.Condition })),
    );
    const owned = {
      StringEquals: {
        'aws:ResourceTag/aws:secretsmanager:owningService': 'bedrock-agentcore-identity',
      },
    };
    expect(writers).toEqual([
      { role: 'RotateRole', condition: owned },
      { role: 'RotateNowRole', condition: owned },
    ]);
  });
});

/*
 * Issue 17, point 2: who writes what steers the rotator, whatever identity policies say. The
 * table's resource policy and the MAC keys' policies name the writers (attacked on a stack that
 * enforces IAM in test/integration/roles/stateIntegrity.test.ts).
 */
describe('state table items: the writers are named by the resources themselves', () => {
  const ROTATE_ROLE_ARN = SUB(
    `${ARN}:iam::\${AWS::AccountId}:role/gatewarden-\${sls:stage}-\${AWS::Region}-rotate`.replace(
      '${sls:stage}',
      'ci',
    ),
  );
  const ADMIN = { Ref: 'AdminRoleArn' };

  /** The policy document under `Fn::If [HasAdminRole, …, AWS::NoValue]`. */
  function withAdminRole(value: unknown): { Statement: Statement[] } {
    const branches = (value as { 'Fn::If': [string, unknown, unknown] })['Fn::If'];
    expect(branches[0]).toBe('HasAdminRole');
    expect(branches[2]).toEqual({ Ref: 'AWS::NoValue' });
    return branches[1] as { Statement: Statement[] };
  }

  function tablePolicy(hasAdminRole = true): Statement[] {
    const policy = withConditions(template.Resources.StateTable?.Properties?.ResourcePolicy, {
      HasAdminRole: hasAdminRole,
    }) as { PolicyDocument: { Statement: Statement[] } };
    return policy.PolicyDocument.Statement;
  }

  it.each([
    ['OnlyAdminWritesBindings', 'rotation-binding#*', [ADMIN]],
    ['OnlyRotatorAndAdminWriteLedger', 'rotation-ledger#*', [ROTATE_ROLE_ARN, ADMIN]],
  ])('%s: every item write of %s denied to all but %j', (sid, prefix, writers) => {
    const statement = tablePolicy().find((s) => s.Sid === sid);
    expect(statement).toMatchObject({ Effect: 'Deny', Principal: '*' });
    expect(asArray(statement?.Action).sort()).toEqual([
      'dynamodb:BatchWriteItem',
      'dynamodb:DeleteItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
    ]);
    expect(statement?.Condition).toEqual({
      'ForAnyValue:StringLike': { 'dynamodb:LeadingKeys': [prefix] },
      StringNotEquals: { 'aws:PrincipalArn': writers.length === 1 ? writers[0] : writers },
    });
  });

  it('denies PartiQL writes and policy changes to all but the admin role', () => {
    const sids = tablePolicy()
      .filter((s) => s.Effect === 'Deny')
      .map((s) => s.Sid);
    expect(sids).toEqual(expect.arrayContaining(['NoPartiQLWrites', 'OnlyAdminChangesThisPolicy']));
  });

  it('a stage without an admin role still keeps detection state, PartiQL and the policy to their owners', () => {
    const DETECT_ROLE_ARN = SUB(
      `${ARN}:iam::\${AWS::AccountId}:role/gatewarden-\${sls:stage}-\${AWS::Region}-detect`.replace(
        '${sls:stage}',
        'ci',
      ),
    );
    const statements = tablePolicy(false);
    // Bindings and the ledger are written by `register` as whoever runs it there: IAM decides.
    expect(statements.map((s) => s.Sid)).toEqual([
      'OnlyDetectAndAdminWriteDetectionState',
      'NoPartiQLWrites',
      'OnlyAdminChangesThisPolicy',
    ]);
    const [detection, partiql, policy] = statements;
    expect(detection?.Condition).toEqual({
      'ForAnyValue:StringLike': { 'dynamodb:LeadingKeys': ['bl#*', 'wc#*', 'dd#*', 'bg#*'] },
      StringNotEquals: { 'aws:PrincipalArn': [DETECT_ROLE_ARN] },
    });
    // No condition: denied to everyone.
    expect(partiql).toMatchObject({ Effect: 'Deny', Principal: '*' });
    expect(partiql?.Condition).toBeUndefined();
    expect(policy?.Condition).toEqual({
      'ForAllValues:StringNotEquals': { 'aws:CalledVia': ['cloudformation.amazonaws.com'] },
    });
  });

  it.each([
    ['BindingMacKey', 'OnlyAdminSignsBindings', ADMIN],
    ['LedgerMacKey', 'OnlyRotatorAndAdminSignLedger', [ROTATE_ROLE_ARN, ADMIN]],
  ])('%s: %s, whatever kms:* an identity policy grants', (key, sid, signers) => {
    const policy = template.Resources[key]?.Properties?.KeyPolicy as { Statement: unknown[] };
    const statements = policy.Statement;
    const deny = statements
      .filter((s) => typeof s === 'object' && s !== null && 'Fn::If' in s)
      .map((s) => withAdminRole(s) as unknown as Statement)
      .find((s) => s.Sid === sid);
    expect(deny).toMatchObject({ Effect: 'Deny', Principal: '*', Action: 'kms:GenerateMac' });
    expect(deny?.Condition).toEqual({ StringNotEquals: { 'aws:PrincipalArn': signers } });
  });

  it('gives the sweep MAC checks on both keys and no MAC of its own', () => {
    const mac = roleStatements('RotateNowRole').filter((s) =>
      asArray(s.Action).some((a) => a.endsWith('Mac')),
    );
    expect(mac.map((s) => [s.Sid, s.Action, s.Resource])).toEqual([
      ['VerifyBindingsAndLedger', 'kms:VerifyMac', [BINDING_MAC_KEY_ARN, LEDGER_MAC_KEY_ARN]],
    ]);
  });
});
