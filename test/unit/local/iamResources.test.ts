/**
 * What the local IAM gate authorizes for a call (local/iam/resources.ts): the action, the
 * resource ARNs, the condition keys AWS sets, the implied authorizations; and that a call it
 * cannot name is refused, not passed. Lookups are an in-memory table here.
 */
import {
  authorizationsFor,
  fillFormat,
  Unclassifiable,
  type CallInfo,
  type ResourceLookups,
} from '../../../local/iam/resources.js';

const ACCOUNT = '123456789012';
const SECRET_ARN = `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:gatewarden/g1/apiKey/p-AbCdEf`;
const KEY_ARN = `arn:aws:kms:us-east-1:${ACCOUNT}:key/11111111-2222-3333-4444-555555555555`;

const lookups: ResourceLookups = {
  secret: async (id) =>
    id === 'gatewarden/g1/apiKey/p' || id === SECRET_ARN
      ? { arn: SECRET_ARN, kmsKeyId: 'alias/gatewarden-local-secrets', tags: { team: 'a' } }
      : undefined,
  keyArn: async (id) =>
    id === 'alias/gatewarden-local-secrets' || id.startsWith('1111') ? KEY_ARN : undefined,
  roleArn: async (name) => `arn:aws:iam::${ACCOUNT}:role/path/${name}`,
  functionArn: async (name) => `arn:aws:lambda:us-east-1:${ACCOUNT}:function:${name}`,
  tableHashKey: async () => 'pk',
  standinTags: (arn): Record<string, string> =>
    arn.endsWith('/apikeycredentialprovider/p') ? { 'gatewarden:rotated': 'true' } : {},
};

const call = (
  signingName: string,
  operation: string,
  params: Record<string, unknown> = {},
  labels: Record<string, string> = {},
): CallInfo => ({ signingName, operation, region: 'us-east-1', account: ACCOUNT, params, labels });

describe('authorizationsFor', () => {
  it('GetSecretValue: the secret by its full ARN, its tags, and kms:Decrypt through Secrets Manager', async () => {
    // Act
    const [own, decrypt, ...rest] = await authorizationsFor(
      call('secretsmanager', 'GetSecretValue', { SecretId: 'gatewarden/g1/apiKey/p' }),
      lookups,
    );
    // Assess
    expect(rest).toEqual([]);
    expect(own).toMatchObject({
      action: 'secretsmanager:GetSecretValue',
      resource: SECRET_ARN,
      context: { 'aws:ResourceTag/team': 'a', 'secretsmanager:SecretId': 'gatewarden/g1/apiKey/p' },
    });
    expect(decrypt).toEqual({
      action: 'kms:Decrypt',
      resource: KEY_ARN,
      resourceAccount: ACCOUNT,
      context: {
        'kms:ViaService': 'secretsmanager.us-east-1.amazonaws.com',
        'kms:CallerAccount': ACCOUNT,
        'kms:EncryptionContext:SecretARN': SECRET_ARN,
        'kms:EncryptionContextKeys': ['SecretARN', 'SecretVersionId'],
      },
    });
  });

  it('PutSecretValue needs kms:GenerateDataKey; DescribeSecret needs no key', async () => {
    const put = await authorizationsFor(
      call('secretsmanager', 'PutSecretValue', { SecretId: SECRET_ARN, SecretString: 'x' }),
      lookups,
    );
    expect(put.map((a) => a.action)).toEqual([
      'secretsmanager:PutSecretValue',
      'kms:GenerateDataKey',
    ]);
    const describe = await authorizationsFor(
      call('secretsmanager', 'DescribeSecret', { SecretId: SECRET_ARN }),
      lookups,
    );
    expect(describe.map((a) => a.action)).toEqual(['secretsmanager:DescribeSecret']);
  });

  it('a secret that does not exist is authorized as its name with a suffix, so name-* grants reach NotFound', async () => {
    const [own] = await authorizationsFor(
      call('secretsmanager', 'GetSecretValue', { SecretId: 'gatewarden-settings/chat-webhook' }),
      lookups,
    );
    expect(own?.resource).toBe(
      `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:gatewarden-settings/chat-webhook-xxxxxx`,
    );
  });

  it('RotateSecret carries the function it names and whether it changes the rules', async () => {
    const [own] = await authorizationsFor(
      call('secretsmanager', 'RotateSecret', {
        SecretId: SECRET_ARN,
        RotationLambdaARN: 'arn:aws:lambda:us-east-1:123456789012:function:evil',
        RotationRules: { AutomaticallyAfterDays: 1 },
      }),
      lookups,
    );
    expect(own?.context).toMatchObject({
      'secretsmanager:RotationLambdaARN': 'arn:aws:lambda:us-east-1:123456789012:function:evil',
      'secretsmanager:ModifyRotationRules': 'true',
    });
  });

  it.each([
    [
      'GetItem with Key',
      { TableName: 't', Key: { pk: { S: 'rotation-binding#a' } } },
      ['rotation-binding#a'],
    ],
    [
      'PutItem with Item',
      { TableName: 't', Item: { pk: { S: 'rotation-ledger#b' }, sk: { S: 'x' } } },
      ['rotation-ledger#b'],
    ],
    [
      'Query by an aliased key',
      {
        TableName: 't',
        KeyConditionExpression: '#p = :v AND sk > :s',
        ExpressionAttributeNames: { '#p': 'pk' },
        ExpressionAttributeValues: { ':v': { S: 'dedup#c' }, ':s': { S: '0' } },
      },
      ['dedup#c'],
    ],
  ])('dynamodb:LeadingKeys from %s', async (_, params, keys) => {
    const operation = 'Key' in params ? 'GetItem' : 'Item' in params ? 'PutItem' : 'Query';
    const [own] = await authorizationsFor(call('dynamodb', operation, params), lookups);
    expect(own?.resource).toBe(`arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/t`);
    expect(own?.context['dynamodb:LeadingKeys']).toEqual(keys);
  });

  it('a transaction is authorized item by item, as the action each item performs', async () => {
    const all = await authorizationsFor(
      call('dynamodb', 'TransactWriteItems', {
        TransactItems: [
          { Put: { TableName: 't', Item: { pk: { S: 'a' } } } },
          { Delete: { TableName: 'u', Key: { pk: { S: 'b' } } } },
        ],
      }),
      lookups,
    );
    expect(
      all.map((a) => [a.action, a.resource.split('/').pop(), a.context['dynamodb:LeadingKeys']]),
    ).toEqual([
      ['dynamodb:PutItem', 't', ['a']],
      ['dynamodb:DeleteItem', 'u', ['b']],
    ]);
  });

  it('PutEvents: each bus, with the entries’ sources and detail types', async () => {
    const all = await authorizationsFor(
      call('events', 'PutEvents', {
        Entries: [
          { EventBusName: 'gatewarden-local', Source: 'gatewarden', DetailType: 'Finding' },
          { Source: 'x', DetailType: 'y' },
        ],
      }),
      lookups,
    );
    expect(all.map((a) => a.resource)).toEqual([
      `arn:aws:events:us-east-1:${ACCOUNT}:event-bus/gatewarden-local`,
      `arn:aws:events:us-east-1:${ACCOUNT}:event-bus/default`,
    ]);
    expect(all[0]?.context['events:source']).toEqual(['gatewarden', 'x']);
  });

  it('handing a role to a service is iam:PassRole on that role', async () => {
    const all = await authorizationsFor(
      call('lambda', 'CreateFunction', {
        FunctionName: 'f',
        Role: `arn:aws:iam::${ACCOUNT}:role/exec`,
      }),
      lookups,
    );
    expect(all.find((a) => a.action === 'iam:PassRole')).toEqual({
      action: 'iam:PassRole',
      resource: `arn:aws:iam::${ACCOUNT}:role/exec`,
      resourceAccount: ACCOUNT,
      context: { 'iam:PassedToService': 'lambda.amazonaws.com' },
    });
  });

  it('AgentCore provider updates: token vault and provider, with the provider’s stand-in tags', async () => {
    const all = await authorizationsFor(
      call('bedrock-agentcore', 'UpdateApiKeyCredentialProvider', { name: 'p', apiKey: 'k' }),
      lookups,
    );
    expect(all.map((a) => a.resource).sort()).toEqual([
      `arn:aws:bedrock-agentcore:us-east-1:${ACCOUNT}:token-vault/default`,
      `arn:aws:bedrock-agentcore:us-east-1:${ACCOUNT}:token-vault/default/apikeycredentialprovider/p`,
    ]);
    expect(all[0]?.context['aws:ResourceTag/gatewarden:rotated']).toBe('true');
  });

  it.each([
    [
      'GetPolicyEngine',
      { policyEngineId: 'eng-abcdefghij' },
      [`arn:aws:bedrock-agentcore:us-east-1:${ACCOUNT}:policy-engine/eng-abcdefghij`],
    ],
    [
      'ListPolicies',
      { policyEngineId: 'eng-abcdefghij' },
      [`arn:aws:bedrock-agentcore:us-east-1:${ACCOUNT}:policy-engine/eng-abcdefghij`],
    ],
    [
      'GetResourcePolicy',
      { resourceArn: `arn:aws:bedrock-agentcore:us-east-1:${ACCOUNT}:gateway/gw1` },
      [`arn:aws:bedrock-agentcore:us-east-1:${ACCOUNT}:gateway/gw1`],
    ],
  ])(
    'AgentCore posture reads: %s on the resource its path names',
    async (operation, labels, arns) => {
      const all = await authorizationsFor(
        call('bedrock-agentcore', operation, {}, labels),
        lookups,
      );
      expect(all.map((a) => [a.action, a.resource])).toEqual(
        arns.map((arn) => [`bedrock-agentcore:${operation}`, arn]),
      );
    },
  );

  it('WAFv2: a new web ACL by scope and name, an association on the ACL it names', async () => {
    const created = await authorizationsFor(
      call('wafv2', 'CreateWebACL', { Name: 'gw', Scope: 'REGIONAL' }),
      lookups,
    );
    expect(created.map((a) => a.resource)).toEqual([
      `arn:aws:wafv2:us-east-1:${ACCOUNT}:regional/webacl/gw/*`,
    ]);
    const acl = `arn:aws:wafv2:us-east-1:${ACCOUNT}:regional/webacl/gw/abc`;
    const associated = await authorizationsFor(
      call('wafv2', 'AssociateWebACL', {
        WebACLArn: acl,
        ResourceArn: `arn:aws:bedrock-agentcore:us-east-1:${ACCOUNT}:gateway/gw1`,
      }),
      lookups,
    );
    expect(associated.map((a) => a.resource)).toEqual([acl]);
  });

  it('KMS Decrypt names its key from moto’s ciphertext header', async () => {
    const blob = Buffer.concat([
      Buffer.from('11111111-2222-3333-4444-555555555555', 'latin1'),
      Buffer.alloc(40),
    ]).toString('base64');
    const [own] = await authorizationsFor(
      call('kms', 'Decrypt', { CiphertextBlob: blob }),
      lookups,
    );
    expect(own?.resource).toBe(KEY_ARN);
  });

  it.each([
    ['an operation the IAM catalog does not know', call('secretsmanager', 'StealEverything')],
    ['a secret call naming no secret', call('secretsmanager', 'GetSecretValue', {})],
    [
      'a tag call naming no resource',
      call('bedrock-agentcore', 'TagResource', { tags: { a: 'b' } }),
    ],
  ])('refuses to guess: %s', async (_, info) => {
    await expect(authorizationsFor(info, lookups)).rejects.toBeInstanceOf(Unclassifiable);
  });

  it.each([
    [
      'StartQuery: the store its SQL reads',
      call('cloudtrail', 'StartQuery', {
        QueryStatement: 'SELECT eventname\nFROM eds-1a2b\nWHERE eventtime >= x',
      }),
      `arn:aws:cloudtrail:us-east-1:${ACCOUNT}:eventdatastore/eds-1a2b`,
    ],
    [
      'GetQueryResults: the store by ARN',
      call('cloudtrail', 'GetQueryResults', {
        QueryId: 'q',
        EventDataStore: `arn:aws:cloudtrail:us-east-1:111122223333:eventdatastore/eds-9`,
      }),
      'arn:aws:cloudtrail:us-east-1:111122223333:eventdatastore/eds-9',
    ],
  ])('CloudTrail Lake %s', async (_, info, resource) => {
    const [own] = await authorizationsFor(info, lookups);
    expect(own?.resource).toBe(resource);
  });

  it('a Lake query whose store cannot be named is refused, not guessed', async () => {
    await expect(
      authorizationsFor(call('cloudtrail', 'StartQuery', { QueryStatement: 'SELECT 1' }), lookups),
    ).rejects.toBeInstanceOf(Unclassifiable);
  });

  it('actions with no resource type are authorized on *', async () => {
    const [own] = await authorizationsFor(call('secretsmanager', 'ListSecrets'), lookups);
    expect(own?.resource).toBe('*');
  });
});

describe('fillFormat', () => {
  it.each([
    [
      'arn:${Partition}:s3:::${BucketName}',
      { Partition: 'aws', BucketName: 'b' },
      undefined,
      'arn:aws:s3:::b',
    ],
    ['arn:${Partition}:s3:::${BucketName}', { Partition: 'aws' }, undefined, undefined],
    [
      'arn:${Partition}:x:${Region}:${Account}:thing/${Name}',
      { Partition: 'aws', Region: 'r', Account: '1' },
      '*',
      'arn:aws:x:r:1:thing/*',
    ],
  ])('%s', (format, vars, fallback, expected) => {
    expect(fillFormat(format, vars as Record<string, string>, fallback)).toBe(expected);
  });
});
