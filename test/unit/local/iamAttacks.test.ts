/**
 * Attacks on the local IAM gate (local/iam/) and on the grants the sweep got with it.
 *
 * The gate's job is to refuse what AWS would refuse, so that a missing or too-wide grant fails
 * a test here. Each test below asserts what AWS does. Four blocks:
 * - what the gate and the product get right today (keep them green);
 * - the hardening proposed for the product, evaluated with the condition keys AWS sets (green:
 *   they show the policy text does what it should once the gate sets those keys);
 * - closed gaps of the gate: requests it once let through although AWS refuses them;
 * - closed gaps of the product: grants wider than the threat model allowed.
 * The gaps still open are listed in local/README.md ("Known gaps"), each a piece of work.
 *
 * Policies live in a table (the PolicySource pattern of iamEnforcer.test.ts); the role
 * statements are copies of resources/role-rotate.yml and role-rotateNow.yml with the stack's
 * account and region filled in, and the secret's resource policy is the one `gatewarden
 * register` writes (lib/rotation/registerPolicy.ts). Requests that depend on the wire (headers,
 * Host, Authorization) go through describeAwsRequest, as the front builds them.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { secretResourcePolicy } from '../../../lib/rotation/registerPolicy.js';
import {
  callerOf,
  IamEnforcer,
  type Caller,
  type PolicySource,
} from '../../../local/iam/enforcer.js';
import { IamGate } from '../../../local/iam/gate.js';
import type { PrincipalPolicies } from '../../../local/iam/policies.js';
import {
  authorizationsFor,
  type CallInfo,
  type ResourceLookups,
} from '../../../local/iam/resources.js';
import { describeAwsRequest, type RawRequest } from '../../../local/standin/awsRequest.js';
import { IdentityCache, type UserIdentity } from '../../../local/standin/cloudtrail/identity.js';
import type { FrontRequest } from '../../../local/standin/context.js';

const ACCOUNT = '123456789012';
const OTHER_ACCOUNT = '999999999999';
const REGION = 'us-east-1';
const HERE = `${REGION}:${ACCOUNT}`;
const role = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;

const ROTATE = role('gatewarden-local-us-east-1-rotate');
const SWEEP = role('gatewarden-local-us-east-1-rotateNow');
const REPORT = role('gatewarden-local-us-east-1-report');
const ADMIN = role('gatewarden-admin');
const GATEWAY = role('gateway-service-role');
/** A principal a broad managed policy reaches (SecretsManagerReadWrite and the like). */
const BROAD = role('broad');
/** A principal with ONE limited grant, named per test. */
const LIMITED = role('limited');

const ROTATE_FUNCTION = `arn:aws:lambda:${HERE}:function:gatewarden-local-rotate`;
const SECRET = `arn:aws:secretsmanager:${HERE}:secret:gatewarden/g1/apiKey/p-AbCdEf`;
const SECRET_NAME = 'gatewarden/g1/apiKey/p';
const MANAGED_OTHER = `arn:aws:secretsmanager:${HERE}:secret:bedrock-agentcore-identity!default/apikey/not-gatewardens-XyZ123`;
const OWN_KEY = `arn:aws:kms:${HERE}:key/11111111-2222-3333-4444-555555555555`;
const DATA_KEY = `arn:aws:kms:${HERE}:key/22222222-3333-4444-5555-666666666666`;
const ALERTS_KEY = `arn:aws:kms:${HERE}:key/33333333-4444-5555-6666-777777777777`;
const TABLE = `arn:aws:dynamodb:${HERE}:table/gatewarden-local-state`;
const TOPIC = `arn:aws:sns:${HERE}:gatewarden-local-alerts`;
const PROVIDER = (name: string) =>
  `arn:aws:bedrock-agentcore:${HERE}:token-vault/default/apikeycredentialprovider/${name}`;

const statement = (
  Action: string | string[],
  Resource: string | string[],
  Condition?: Record<string, unknown>,
  Sid?: string,
) => ({
  ...(Sid ? { Sid } : {}),
  Effect: 'Allow',
  Action,
  Resource,
  ...(Condition ? { Condition } : {}),
});
const policy = (...Statement: unknown[]) => ({ Version: '2012-10-17', Statement });
const identity = (name: string, ...statements: unknown[]): PrincipalPolicies => ({
  identity: [{ name, policy: policy(...statements) }],
});
const viaSecretsManager = {
  StringEquals: { 'kms:ViaService': `secretsmanager.${REGION}.amazonaws.com` },
};

/** resources/role-rotate.yml (the statements these tests touch). */
const ROTATE_ROLE = identity(
  'rotate',
  statement(
    [
      'secretsmanager:DescribeSecret',
      'secretsmanager:GetSecretValue',
      'secretsmanager:PutSecretValue',
      'secretsmanager:UpdateSecretVersionStage',
      'secretsmanager:ListSecretVersionIds',
    ],
    `arn:aws:secretsmanager:${HERE}:secret:gatewarden/*`,
    undefined,
    'RotateGatewardenSecrets',
  ),
  statement(
    ['secretsmanager:TagResource', 'secretsmanager:UntagResource'],
    `arn:aws:secretsmanager:${HERE}:secret:gatewarden/*`,
    {
      'ForAllValues:StringEquals': {
        'aws:TagKeys': ['gatewarden:last-rotation-error', 'gatewarden:rotation-step'],
      },
    },
    'RecordRotationFailure',
  ),
  statement('dynamodb:GetItem', TABLE, {
    'ForAllValues:StringLike': {
      'dynamodb:LeadingKeys': ['rotation-binding#*', 'rotation-ledger#*'],
    },
  }),
  statement('dynamodb:Query', TABLE, {
    'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['rotation-ledger#*'] },
  }),
  statement('sns:Publish', TOPIC, undefined, 'PublishAlerts'),
);

/** resources/role-rotateNow.yml, as this change leaves it. */
const SWEEP_ROLE = identity(
  'rotateNow',
  statement(
    [
      'secretsmanager:RotateSecret',
      'secretsmanager:DescribeSecret',
      'secretsmanager:GetSecretValue',
      'secretsmanager:UpdateSecretVersionStage',
    ],
    `arn:aws:secretsmanager:${HERE}:secret:gatewarden/*`,
    undefined,
    'RotateGatewardenSecrets',
  ),
  statement(
    [
      'bedrock-agentcore:UpdateApiKeyCredentialProvider',
      'bedrock-agentcore:GetOauth2CredentialProvider',
      'bedrock-agentcore:UpdateOauth2CredentialProvider',
    ],
    `arn:aws:bedrock-agentcore:${HERE}:token-vault/default`,
    undefined,
    'TokenVault',
  ),
  statement(
    [
      'bedrock-agentcore:UpdateApiKeyCredentialProvider',
      'bedrock-agentcore:GetOauth2CredentialProvider',
      'bedrock-agentcore:UpdateOauth2CredentialProvider',
    ],
    [
      `arn:aws:bedrock-agentcore:${HERE}:token-vault/default/apikeycredentialprovider/*`,
      `arn:aws:bedrock-agentcore:${HERE}:token-vault/default/oauth2credentialprovider/*`,
    ],
    { StringEquals: { 'aws:ResourceTag/gatewarden:rotated': 'true' } },
    'RegisteredCredentialProviders',
  ),
  statement(
    ['secretsmanager:DescribeSecret', 'secretsmanager:PutSecretValue'],
    `arn:aws:secretsmanager:${HERE}:secret:bedrock-agentcore-identity!default/*`,
    {
      StringEquals: {
        'aws:ResourceTag/aws:secretsmanager:owningService': 'bedrock-agentcore-identity',
      },
    },
    'AgentCoreManagedProviderSecrets',
  ),
  statement('lambda:InvokeFunction', ROTATE_FUNCTION, undefined, 'InvokeRotationFunction'),
  statement('kms:Decrypt', OWN_KEY, viaSecretsManager, 'SecretsKeyViaSecretsManager'),
  statement('dynamodb:GetItem', TABLE, {
    'ForAllValues:StringLike': {
      'dynamodb:LeadingKeys': ['rotation-binding#*', 'rotation-ledger#*'],
    },
  }),
);

/** The secret's resource policy as `gatewarden register --sweeper-role` writes it. */
const REGISTERED_POLICY = JSON.parse(
  secretResourcePolicy({
    readers: [GATEWAY, ROTATE, SWEEP],
    writers: [ROTATE, ADMIN],
    rotationLambdaArn: ROTATE_FUNCTION,
    stageMovers: [SWEEP],
  }),
) as { Statement: unknown[] };

/**
 * The hardening proposed in the report: movers other than the writers may only move
 * AWSPENDING (secretsmanager:VersionStage is a condition key of UpdateSecretVersionStage).
 */
const HARDENED_POLICY = {
  ...REGISTERED_POLICY,
  Statement: [
    ...REGISTERED_POLICY.Statement,
    {
      Sid: 'SweepMovesOnlyPending',
      Effect: 'Deny',
      Principal: '*',
      Action: 'secretsmanager:UpdateSecretVersionStage',
      Resource: '*',
      Condition: {
        StringNotEquals: {
          'aws:PrincipalArn': [ADMIN, ROTATE],
          'secretsmanager:VersionStage': 'AWSPENDING',
        },
      },
    },
  ],
};

/** The account's key policy: use delegated to IAM (resources/keys.yml). */
const ACCOUNT_KEY_POLICY = policy({
  Sid: 'AccountAdministers',
  Effect: 'Allow',
  Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
  Action: 'kms:*',
  Resource: '*',
});

interface World {
  identities?: Record<string, PrincipalPolicies>;
  /** Resource policies by resource ARN. */
  resources?: Record<string, unknown>;
}

const SECRETS: Record<
  string,
  { arn: string; kmsKeyId?: string; rotationLambdaArn?: string; tags: Record<string, string> }
> = {
  [SECRET_NAME]: { arn: SECRET, kmsKeyId: OWN_KEY, tags: { 'gatewarden:kind': 'apiKey' } },
  [SECRET]: {
    arn: SECRET,
    kmsKeyId: OWN_KEY,
    rotationLambdaArn: ROTATE_FUNCTION,
    tags: { 'gatewarden:kind': 'apiKey' },
  },
  [MANAGED_OTHER]: {
    arn: MANAGED_OTHER,
    tags: { 'aws:secretsmanager:owningService': 'bedrock-agentcore-identity' },
  },
};

const lookups: ResourceLookups = {
  secret: async (id) => SECRETS[id],
  keyArn: async (id) => (id.startsWith('arn:') ? id : OWN_KEY),
  roleArn: async (name) => role(name),
  functionArn: async (name) => `arn:aws:lambda:${HERE}:function:${name}`,
  tableHashKey: async () => 'pk',
  standinTags: (arn): Record<string, string> =>
    arn === PROVIDER('registered') ? { 'gatewarden:rotated': 'true' } : {},
};

function source(world: World): PolicySource {
  const identities: Record<string, PrincipalPolicies> = {
    [ROTATE]: ROTATE_ROLE,
    [SWEEP]: SWEEP_ROLE,
    [BROAD]: identity('SecretsManagerReadWrite', statement(['secretsmanager:*', 'kms:*'], '*')),
    ...world.identities,
  };
  const resources: Record<string, unknown> = {
    [SECRET]: REGISTERED_POLICY,
    [OWN_KEY]: ACCOUNT_KEY_POLICY,
    [DATA_KEY]: ACCOUNT_KEY_POLICY,
    [ALERTS_KEY]: ACCOUNT_KEY_POLICY,
    ...world.resources,
  };
  return {
    principalPolicies: async (arn) => identities[arn] ?? { identity: [] },
    resourcePolicy: async (_action, resource) => resources[resource],
    lookups: () => lookups,
  };
}

const session = (roleArn: string): UserIdentity => {
  const name = roleArn.split('/').pop() ?? '';
  return {
    type: 'AssumedRole',
    arn: `arn:aws:sts::${ACCOUNT}:assumed-role/${name}/attack`,
    accountId: ACCOUNT,
    sessionContext: {
      sessionIssuer: {
        type: 'Role',
        principalId: 'AROA',
        arn: roleArn,
        accountId: ACCOUNT,
        userName: name,
      },
      attributes: { creationDate: '2026-12-05T00:00:00Z', mfaAuthenticated: 'false' },
    },
  };
};
const as = (roleArn: string): Caller => callerOf(session(roleArn));

const call = (
  signingName: string,
  operation: string,
  params: Record<string, unknown> = {},
  labels: Record<string, string> = {},
): CallInfo => ({ signingName, operation, region: REGION, account: ACCOUNT, params, labels });

async function decide(world: World, caller: Caller, info: CallInfo) {
  return new IamEnforcer(source(world)).decide(caller, info);
}

/** A request off the wire, described as the front describes it. */
function wire(options: {
  method?: string;
  path?: string;
  query?: string;
  headers?: Record<string, string>;
  body?: string;
}): FrontRequest {
  const raw: RawRequest = {
    method: options.method ?? 'POST',
    path: options.path ?? '/',
    query: new URLSearchParams(options.query ?? ''),
    headers: options.headers ?? {},
    body: Buffer.from(options.body ?? ''),
  };
  return {
    ...raw,
    aws: describeAwsRequest(raw),
    sourceIp: '127.0.0.1',
    userAgent: 'attack',
    receivedAt: new Date(),
  };
}
const sigv4 = (service: string, key = 'ASIALIMITEDSESSION01') =>
  `AWS4-HMAC-SHA256 Credential=${key}/20261205/${REGION}/${service}/aws4_request, SignedHeaders=host;x-amz-date, Signature=00`;

/** The front's gate, deciding with the table instead of moto; the caller is `who`. */
function gate(world: World, who: UserIdentity): IamGate {
  const built = new IamGate(
    'enforce',
    'http://127.0.0.1:9',
    () => ({}),
    async () => who,
    () => undefined,
  );
  Object.defineProperty(built, 'enforcer', { value: new IamEnforcer(source(world)) });
  return built;
}

/** moto's answer to GetCallerIdentity for credentials it did not issue (moto/sts/models.py). */
const MOTO_DEFAULT_ANSWER = {
  UserId: 'AKIAIOSFODNN7EXAMPLE',
  Account: ACCOUNT,
  Arn: `arn:aws:sts::${ACCOUNT}:user/moto`,
};

describe('what the gate and the product get right (the sweep grants of this change)', () => {
  it('the sweeper reads the secret and takes AWSPENDING off an abandoned rotation', async () => {
    const read = await decide(
      {},
      as(SWEEP),
      call('secretsmanager', 'GetSecretValue', { SecretId: SECRET }),
    );
    const clear = await decide(
      {},
      as(SWEEP),
      call('secretsmanager', 'UpdateSecretVersionStage', {
        SecretId: SECRET,
        VersionStage: 'AWSPENDING',
        RemoveFromVersionId: 'v-pending',
      }),
    );
    expect([read.allowed, clear.allowed]).toEqual([true, true]);
  });

  it.each([
    ['PutSecretValue', { SecretString: 'x' }],
    ['TagResource', { Tags: [{ Key: 'gatewarden:gateway', Value: 'victim' }] }],
    ['PutResourcePolicy', { ResourcePolicy: '{}' }],
  ])('the sweeper writes no value, tag or policy: %s', async (operation, params) => {
    const decision = await decide(
      { identities: { [SWEEP]: identity('wide', statement('secretsmanager:*', '*')) } },
      as(SWEEP),
      call('secretsmanager', operation, { SecretId: SECRET, ...params }),
    );
    expect(decision).toMatchObject({
      allowed: false,
      reason: 'with an explicit deny in a resource-based policy',
    });
  });

  it.each([
    ['UpdateSecretVersionStage', { VersionStage: 'AWSCURRENT', MoveToVersionId: 'v-old' }],
    ['GetSecretValue', {}],
    ['TagResource', { Tags: [{ Key: 'gatewarden:gateway', Value: 'victim' }] }],
  ])(
    'a principal a broad managed policy reaches (not a writer, reader or mover) is refused %s',
    async (operation, params) => {
      const decision = await decide(
        {},
        as(BROAD),
        call('secretsmanager', operation, { SecretId: SECRET, ...params }),
      );
      expect(decision.allowed).toBe(false);
      expect(decision.decisive.join()).toMatch(/OnlyRotator|NobodyElseReads/);
    },
  );

  it('the rotate role may set gatewarden:rotation-step, and no other tag', async () => {
    const tag = (key: string) =>
      decide(
        {},
        as(ROTATE),
        call('secretsmanager', 'TagResource', {
          SecretId: SECRET,
          Tags: [{ Key: key, Value: 'v s 2026-12-05T00:00:00Z' }],
        }),
      );
    expect((await tag('gatewarden:rotation-step')).allowed).toBe(true);
    expect((await tag('gatewarden:gateway')).allowed).toBe(false);
    expect((await tag('gatewarden:kind')).allowed).toBe(false);
  });

  it('the sweeper updates only providers gatewarden register tagged', async () => {
    const update = (name: string) =>
      decide(
        {},
        as(SWEEP),
        call('bedrock-agentcore', 'UpdateApiKeyCredentialProvider', { name, apiKey: 'k' }),
      );
    expect((await update('registered')).allowed).toBe(true);
    expect((await update('someone-elses')).allowed).toBe(false);
  });

  it('the sweeper reads bindings and ledger only, and writes no state item', async () => {
    const get = (pk: string) =>
      decide(
        {},
        as(SWEEP),
        call('dynamodb', 'GetItem', {
          TableName: 'gatewarden-local-state',
          Key: { pk: { S: pk }, sk: { S: 'binding' } },
        }),
      );
    expect((await get(`rotation-binding#${SECRET}`)).allowed).toBe(true);
    expect((await get('dedup#x')).allowed).toBe(false);
    const put = await decide(
      {},
      as(SWEEP),
      call('dynamodb', 'PutItem', {
        TableName: 'gatewarden-local-state',
        Item: { pk: { S: `rotation-binding#${SECRET}` }, sk: { S: 'binding' } },
      }),
    );
    expect(put.allowed).toBe(false);
  });

  it('a Cognito end-user call without a signature is let through, as AWS serves it', async () => {
    const request = wire({
      headers: {
        'x-amz-target': 'AWSCognitoIdentityProviderService.InitiateAuth',
        'content-type': 'application/x-amz-json-1.1',
      },
      body: JSON.stringify({ AuthFlow: 'USER_PASSWORD_AUTH', ClientId: 'c' }),
    });
    expect(await gate({}, session(LIMITED)).check(request)).toBeUndefined();
  });

  it('an unsigned Cognito admin call (signed-only on AWS) is refused', async () => {
    const request = wire({
      headers: {
        'x-amz-target': 'AWSCognitoIdentityProviderService.AdminGetUser',
        'content-type': 'application/x-amz-json-1.1',
      },
      body: JSON.stringify({ UserPoolId: 'p', Username: 'u' }),
    });
    expect((await gate({}, session(LIMITED)).check(request))?.status).toBe(400);
  });
});

describe('the fixes proposed for the product, evaluated with the keys AWS sets', () => {
  const uvs = (caller: Caller, stage: string) => ({
    action: 'secretsmanager:UpdateSecretVersionStage',
    resource: SECRET,
    resourceAccount: ACCOUNT,
    context: { 'secretsmanager:SecretId': SECRET, 'secretsmanager:VersionStage': stage },
  });

  it('secret policy: the sweeper may move AWSPENDING only; the rotator and the admin any stage', async () => {
    const enforcer = new IamEnforcer(source({ resources: { [SECRET]: HARDENED_POLICY } }));
    const sweep = as(SWEEP);
    expect((await enforcer.authorize(sweep, uvs(sweep, 'AWSPENDING'))).allowed).toBe(true);
    expect((await enforcer.authorize(sweep, uvs(sweep, 'AWSCURRENT'))).allowed).toBe(false);
    expect((await enforcer.authorize(sweep, uvs(sweep, 'AWSPREVIOUS'))).allowed).toBe(false);
    const rotate = as(ROTATE);
    expect((await enforcer.authorize(rotate, uvs(rotate, 'AWSCURRENT'))).allowed).toBe(true);
  });

  it('rotateNow role: UpdateSecretVersionStage only with secretsmanager:VersionStage AWSPENDING', async () => {
    const hardenedRole = identity(
      'rotateNow',
      statement(
        'secretsmanager:UpdateSecretVersionStage',
        `arn:aws:secretsmanager:${HERE}:secret:gatewarden/*`,
        { StringEquals: { 'secretsmanager:VersionStage': 'AWSPENDING' } },
        'TakeBackAbandonedRotations',
      ),
    );
    const enforcer = new IamEnforcer(source({ identities: { [SWEEP]: hardenedRole } }));
    const sweep = as(SWEEP);
    expect((await enforcer.authorize(sweep, uvs(sweep, 'AWSPENDING'))).allowed).toBe(true);
    expect((await enforcer.authorize(sweep, uvs(sweep, 'AWSCURRENT'))).allowed).toBe(false);
  });

  it('managed provider secrets: written only through AgentCore (aws:ViaAWSService), never directly', async () => {
    const hardenedRole = identity(
      'rotateNow',
      statement(
        'secretsmanager:PutSecretValue',
        `arn:aws:secretsmanager:${HERE}:secret:bedrock-agentcore-identity!default/*`,
        {
          StringEquals: {
            'aws:ResourceTag/aws:secretsmanager:owningService': 'bedrock-agentcore-identity',
          },
          Bool: { 'aws:ViaAWSService': 'true' },
        },
        'AgentCoreManagedProviderSecrets',
      ),
    );
    const enforcer = new IamEnforcer(source({ identities: { [SWEEP]: hardenedRole } }));
    const put = (via: string) =>
      enforcer.authorize(as(SWEEP), {
        action: 'secretsmanager:PutSecretValue',
        resource: MANAGED_OTHER,
        resourceAccount: ACCOUNT,
        context: {
          'aws:ResourceTag/aws:secretsmanager:owningService': 'bedrock-agentcore-identity',
          'aws:ViaAWSService': via,
        },
      });
    expect((await put('false')).allowed).toBe(false);
    expect((await put('true')).allowed).toBe(true);
  });

  it('report role: s3:ResourceAccount keeps reports out of a squatted bucket of the same name', async () => {
    const hardenedRole = identity(
      'report',
      statement(
        ['s3:GetObject', 's3:PutObject'],
        'arn:aws:s3:::gatewarden-prod-reports/*',
        { StringEquals: { 's3:ResourceAccount': ACCOUNT } },
        'ReportHistory',
      ),
    );
    const squatter = policy({
      Effect: 'Allow',
      Principal: '*',
      Action: ['s3:PutObject', 's3:GetObject'],
      Resource: 'arn:aws:s3:::gatewarden-prod-reports/*',
    });
    const enforcer = new IamEnforcer({
      ...source({ identities: { [REPORT]: hardenedRole } }),
      resourcePolicy: async () => squatter,
    });
    const put = (owner: string) =>
      enforcer.authorize(as(REPORT), {
        action: 's3:PutObject',
        resource: 'arn:aws:s3:::gatewarden-prod-reports/2026-12-05/report.json',
        resourceAccount: owner,
        context: { 's3:ResourceAccount': owner },
      });
    expect((await put(OTHER_ACCOUNT)).allowed).toBe(false);
    expect((await put(ACCOUNT)).allowed).toBe(true);
  });
});

describe('closed gaps: requests the gate once allowed although AWS refuses them', () => {
  // --- requests the front cannot name reach moto as its default admin ---------------------------

  it('an Authorization header without "Credential=" is refused (moto serves it as its admin: GetSecretValue of any secret)', async () => {
    // moto reads the scope as the 2nd word of the header (moto_server/werkzeug_app.py), the front
    // only after "Credential=" (standin/awsRequest.ts:45): the front sees no AWS call, lets it
    // through (gate.ts:85), and moto answers Secrets Manager for account 123456789012.
    const request = wire({
      headers: {
        authorization: `AWS4-HMAC-SHA256 x/20261205/${REGION}/secretsmanager/aws4_request`,
        'x-amz-target': 'secretsmanager.GetSecretValue',
        'content-type': 'application/x-amz-json-1.1',
      },
      body: JSON.stringify({ SecretId: SECRET_NAME }),
    });
    const answer = await gate({}, session(LIMITED)).check(request);
    expect(answer?.status).toBe(400);
  });

  it('an unsigned S3 ListObjectsV2 of a private bucket is refused (moto lists it to anyone)', async () => {
    const request = wire({
      method: 'GET',
      path: '/gatewarden-local-reports',
      query: 'list-type=2',
    });
    const answer = await gate({}, session(LIMITED)).check(request);
    expect(answer?.status).toBe(403);
  });

  it('credentials moto did not issue (a deleted or made-up key) are no admin', async () => {
    // moto answers GetCallerIdentity for an unknown key with user/moto (moto/sts/models.py), and
    // the enforcer makes user/moto the account admin (enforcer.ts:51,76).
    const identities = new IdentityCache(async () => MOTO_DEFAULT_ANSWER);
    const caller = callerOf(await identities.resolve('AKIADELETEDKEY000001'));
    const decision = await decide(
      { resources: { [SECRET]: undefined } },
      caller,
      call('secretsmanager', 'PutSecretValue', { SecretId: SECRET, SecretString: 'x' }),
    );
    expect(decision.allowed).toBe(false);
  });

  // --- resources resolved wrongly --------------------------------------------------------------

  it('PutEvents to another account’s bus is authorized on that bus, not on this account’s', async () => {
    const foreign = `arn:aws:events:eu-west-1:${OTHER_ACCOUNT}:event-bus/default`;
    const all = await authorizationsFor(
      call('events', 'PutEvents', {
        Entries: [{ EventBusName: foreign, Source: 'gatewarden', DetailType: 'Finding' }],
      }),
      lookups,
    );
    expect(all.map((a) => a.resource)).toEqual([foreign]);
    expect(all[0]?.resourceAccount).toBe(OTHER_ACCOUNT);
  });

  it('Query on an index is authorized on the index ARN', async () => {
    const [own] = await authorizationsFor(
      call('dynamodb', 'Query', {
        TableName: 'gatewarden-local-state',
        IndexName: 'byKind',
        KeyConditionExpression: 'kind = :k',
        ExpressionAttributeValues: { ':k': { S: 'x' } },
      }),
      lookups,
    );
    expect(own?.resource).toBe(`${TABLE}/index/byKind`);
  });

  // --- condition keys the gate does not set (a Deny on them never applies, an Allow on them
  // with ForAllValues always does) -------------------------------------------------------------

  it('UntagResource sets aws:TagKeys: the rotate role cannot remove gatewarden:kind', async () => {
    // RecordRotationFailure is ForAllValues:StringEquals on aws:TagKeys: with the key absent it
    // matches any request, so the rotate role may strip every tag locally.
    const decision = await decide(
      {},
      as(ROTATE),
      call('secretsmanager', 'UntagResource', { SecretId: SECRET, TagKeys: ['gatewarden:kind'] }),
    );
    expect(decision.allowed).toBe(false);
  });

  it('Query with the legacy KeyConditions sets dynamodb:LeadingKeys: the rotate role cannot read bindings by Query', async () => {
    const decision = await decide(
      {},
      as(ROTATE),
      call('dynamodb', 'Query', {
        TableName: 'gatewarden-local-state',
        KeyConditions: {
          pk: {
            AttributeValueList: [{ S: `rotation-binding#${SECRET}` }],
            ComparisonOperator: 'EQ',
          },
        },
      }),
    );
    expect(decision.allowed).toBe(false);
  });

  it('UpdateSecretVersionStage sets secretsmanager:VersionStage (the proposed sweep hardening then holds)', async () => {
    const world = { resources: { [SECRET]: HARDENED_POLICY } };
    const move = (VersionStage: string, extra: Record<string, string>) =>
      decide(
        world,
        as(SWEEP),
        call('secretsmanager', 'UpdateSecretVersionStage', {
          SecretId: SECRET,
          VersionStage,
          ...extra,
        }),
      );
    expect((await move('AWSPENDING', { RemoveFromVersionId: 'v-pending' })).allowed).toBe(true);
    expect((await move('AWSCURRENT', { MoveToVersionId: 'v-old' })).allowed).toBe(false);
  });

  // --- authorizations AWS makes that the gate never makes --------------------------------------

  it('RotateSecret also needs lambda:InvokeFunction on the rotation function (SDK model: "You also need lambda:InvokeFunction")', async () => {
    const all = await authorizationsFor(
      call('secretsmanager', 'RotateSecret', {
        SecretId: SECRET,
        RotationLambdaARN: ROTATE_FUNCTION,
      }),
      lookups,
    );
    expect(all.map((a) => `${a.action} ${a.resource}`)).toContain(
      `lambda:InvokeFunction ${ROTATE_FUNCTION}`,
    );
  });

  it('RotateSecret without RotationLambdaARN needs lambda:InvokeFunction on the function the secret is configured with', async () => {
    const all = await authorizationsFor(
      call('secretsmanager', 'RotateSecret', { SecretId: SECRET }),
      lookups,
    );
    expect(all.map((a) => `${a.action} ${a.resource}`)).toContain(
      `lambda:InvokeFunction ${ROTATE_FUNCTION}`,
    );
  });

  // --- caches -----------------------------------------------------------------------------------

  describe('a secret the AgentCore stand-in creates in moto', () => {
    let server: Server;
    let created = false;
    let url = '';
    beforeAll(async () => {
      // A moto that knows the managed secret only once the provider exists.
      server = createServer((request, response) => {
        request.resume();
        request.on('end', () => {
          if (!created) {
            response.writeHead(400, { 'content-type': 'application/x-amz-json-1.1' });
            response.end(
              JSON.stringify({ __type: 'ResourceNotFoundException', message: 'not found' }),
            );
            return;
          }
          response.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
          response.end(
            JSON.stringify({
              ARN: MANAGED_OTHER,
              Name: 'bedrock-agentcore-identity!default/apikey/not-gatewardens',
              Tags: [
                { Key: 'aws:secretsmanager:owningService', Value: 'bedrock-agentcore-identity' },
              ],
            }),
          );
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });

    it('is seen after CreateApiKeyCredentialProvider (the gate forgets what that write changed)', async () => {
      const theGate = new IamGate(
        'enforce',
        url,
        () => ({}),
        async () => session(LIMITED),
        () => undefined,
      );
      const name = 'bedrock-agentcore-identity!default/apikey/not-gatewardens';
      expect(await theGate.store.lookups().secret(name, REGION)).toBeUndefined();
      created = true;
      const createProvider = wire({
        path: '/identities/CreateApiKeyCredentialProvider',
        headers: { authorization: sigv4('bedrock-agentcore'), 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'not-gatewardens', apiKey: 'k' }),
      });
      expect(createProvider.aws.operation).toBe('CreateApiKeyCredentialProvider');
      theGate.called(createProvider, 200);
      expect((await theGate.store.lookups().secret(name, REGION))?.arn).toBe(MANAGED_OTHER);
    });
  });

  // --- requests the gate refuses that AWS allows (false failures) ------------------------------

  it('GetItem naming its table by ARN is authorized on that table (DynamoDB accepts a table ARN as TableName)', async () => {
    const decision = await decide(
      {},
      as(SWEEP),
      call('dynamodb', 'GetItem', {
        TableName: TABLE,
        Key: { pk: { S: `rotation-binding#${SECRET}` }, sk: { S: 'binding' } },
      }),
    );
    expect(decision.allowed).toBe(true);
  });
});

describe('closed gaps in the product: grants the threat model forbids', () => {
  it('the sweeper may only take AWSPENDING off: it may not promote another version to AWSCURRENT', async () => {
    // registerPolicy.ts:108-119 exempts stage movers for every stage; role-rotateNow.yml grants
    // UpdateSecretVersionStage on gatewarden/* without a condition.
    const decision = await decide(
      {},
      as(SWEEP),
      call('secretsmanager', 'UpdateSecretVersionStage', {
        SecretId: SECRET,
        VersionStage: 'AWSCURRENT',
        MoveToVersionId: 'v-old',
        RemoveFromVersionId: 'v-current',
      }),
    );
    expect(decision.allowed).toBe(false);
  });
});

describe('closed gaps (second pass): the wire, S3 and the authorizations a call implies', () => {
  const DENY_SECRETS = identity('nothing');

  // --- one request, two readings ----------------------------------------------------------------

  it.each([
    [
      'two credential scopes',
      `AWS4-HMAC-SHA256 Credential=ASIALIMITEDSESSION01/20261205/${REGION}/secretsmanager/aws4_request, Credential=testing/20261205/${REGION}/secretsmanager/aws4_request, SignedHeaders=host, Signature=00`,
    ],
    [
      'a scope after a word moto reads first',
      `AWS4-HMAC-SHA256 testing/20261205/${REGION}/secretsmanager/aws4_request Credential=ASIALIMITEDSESSION01/20261205/${REGION}/secretsmanager/aws4_request, SignedHeaders=host, Signature=00`,
    ],
    [
      'a second access key moto would read as the caller',
      `AWS4-HMAC-SHA256 Credential=ASIALIMITEDSESSION01/20261205/${REGION}/secretsmanager/aws4_request, SignedHeaders=host, Signature=00 AKIAOTHERACCOUNTKEY1/`,
    ],
  ])('an Authorization header with %s is refused outright', async (_name, authorization) => {
    const request = wire({
      headers: {
        authorization,
        'x-amz-target': 'secretsmanager.GetSecretValue',
        'content-type': 'application/x-amz-json-1.1',
      },
      body: JSON.stringify({ SecretId: SECRET_NAME }),
    });
    const answer = await gate({}, session(BROAD)).check(request);
    expect(answer?.status).toBe(400);
    expect(String(answer?.body)).toMatch(/Authorization/);
  });

  it('a request naming its own account to moto (x-moto-account-id) is refused: AWS has no such header', async () => {
    const request = wire({
      headers: {
        authorization: sigv4('secretsmanager'),
        'x-moto-account-id': OTHER_ACCOUNT,
        'x-amz-target': 'secretsmanager.ListSecrets',
        'content-type': 'application/x-amz-json-1.1',
      },
      body: '{}',
    });
    const answer = await gate({}, session(BROAD)).check(request);
    expect(answer?.status).toBe(400);
  });

  it('a PutEvents naming the account its events come from (x-gatewarden-event-origin) is refused: only the rule delivery sets it', async () => {
    const request = wire({
      headers: {
        authorization: sigv4('events'),
        'x-gatewarden-event-origin': `${OTHER_ACCOUNT}:us-east-1`,
        'x-amz-target': 'AWSEvents.PutEvents',
        'content-type': 'application/x-amz-json-1.1',
      },
      body: JSON.stringify({
        Entries: [{ Source: 'custom.app', DetailType: 'x', Detail: '{}' }],
      }),
    });
    const answer = await gate({}, session(BROAD)).check(request);
    expect(answer?.status).toBe(400);
    expect(String(answer?.body)).toMatch(/x-gatewarden-event-origin is no AWS header/);
  });

  // --- S3 -------------------------------------------------------------------------------------

  it('a virtual-hosted S3 request is authorized on the bucket its Host names', async () => {
    const request = wire({
      method: 'GET',
      path: '/2026/report.json',
      query: 'x-id=GetObject',
      headers: { authorization: sigv4('s3'), host: 'gatewarden-local-reports.localhost:4566' },
    });
    expect(request.aws.operation).toBe('GetObject');
    expect(request.aws.labels).toMatchObject({
      Bucket: 'gatewarden-local-reports',
      Key: '2026/report.json',
    });
    const world = {
      identities: { [LIMITED]: identity('own', statement('s3:GetObject', 'arn:aws:s3:::2026/*')) },
    };
    expect((await gate(world, session(LIMITED)).check(request))?.status).toBe(403);
  });

  it('CopyObject needs s3:GetObject on the source (a PutObject grant alone copies nothing out)', async () => {
    const request = wire({
      method: 'PUT',
      path: '/scratch/copied.json',
      query: 'x-id=PutObject',
      headers: {
        authorization: sigv4('s3'),
        'x-amz-copy-source': '/gatewarden-local-reports/2026/report.json',
      },
    });
    expect(request.aws.operation).toBe('CopyObject');
    const world = {
      identities: {
        [LIMITED]: identity('own', statement('s3:PutObject', 'arn:aws:s3:::scratch/*')),
      },
    };
    const answer = await gate(world, session(LIMITED)).check(request);
    expect(answer?.status).toBe(403);
    expect(String(answer?.body)).toMatch(
      /s3:GetObject on resource: arn:aws:s3:::gatewarden-local-reports\/2026\/report.json/,
    );
  });

  it('DeleteObjects is authorized as s3:DeleteObject on each key it names', async () => {
    const body = `<?xml version="1.0" encoding="UTF-8"?><Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Object><Key>scratch/a.json</Key></Object><Object><Key>reports/kept.json</Key><VersionId>v1</VersionId></Object><Quiet>true</Quiet></Delete>`;
    const request = wire({
      method: 'POST',
      path: '/gatewarden-local-reports',
      query: 'delete',
      headers: { authorization: sigv4('s3'), 'content-type': 'application/xml' },
      body,
    });
    expect(request.aws.operation).toBe('DeleteObjects');
    const all = await authorizationsFor(
      call('s3', 'DeleteObjects', request.aws.params, request.aws.labels),
      lookups,
    );
    expect(all.map((a) => `${a.action} ${a.resource}`)).toEqual([
      's3:DeleteObject arn:aws:s3:::gatewarden-local-reports/scratch/a.json',
      's3:DeleteObjectVersion arn:aws:s3:::gatewarden-local-reports/reports/kept.json',
    ]);
    const world = {
      identities: {
        [LIMITED]: identity(
          'scratch',
          statement(
            ['s3:DeleteObject', 's3:DeleteObjectVersion'],
            'arn:aws:s3:::gatewarden-local-reports/scratch/*',
          ),
        ),
      },
    };
    expect((await gate(world, session(LIMITED)).check(request))?.status).toBe(403);
  });

  it('S3 calls set s3:ResourceAccount to the bucket owner', async () => {
    const [own] = await authorizationsFor(
      call('s3', 'GetObject', {}, { Bucket: 'gatewarden-local-reports', Key: 'r.json' }),
      { ...lookups, bucketAccount: async () => OTHER_ACCOUNT },
    );
    expect(own?.context['s3:ResourceAccount']).toBe(OTHER_ACCOUNT);
    expect(own?.resourceAccount).toBe(OTHER_ACCOUNT);
  });

  // --- query-protocol tags ----------------------------------------------------------------------

  it.each([
    ['iam', 'CreateRole', { RoleName: 'r', AssumeRolePolicyDocument: '{}' }],
    ['iam', 'TagRole', { RoleName: 'r' }],
    ['sns', 'TagResource', { ResourceArn: TOPIC }],
    ['sns', 'CreateTopic', { Name: 'evil' }],
  ])(
    '%s:%s reads Tags.member.N into aws:RequestTag and aws:TagKeys',
    async (service, operation, params) => {
      const all = await authorizationsFor(
        call(service, operation, {
          ...params,
          'Tags.member.1.Key': 'gatewarden:rotated',
          'Tags.member.1.Value': 'true',
        }),
        lookups,
      );
      expect(all[0]?.context).toMatchObject({
        'aws:TagKeys': ['gatewarden:rotated'],
        'aws:RequestTag/gatewarden:rotated': 'true',
      });
    },
  );

  it('UntagRole reads TagKeys.member.N into aws:TagKeys', async () => {
    const all = await authorizationsFor(
      call('iam', 'UntagRole', { RoleName: 'r', 'TagKeys.member.1': 'gatewarden:owner' }),
      lookups,
    );
    expect(all[0]?.context['aws:TagKeys']).toEqual(['gatewarden:owner']);
  });

  it('AssumeRole with session tags also needs sts:TagSession on the role, with the tags as aws:RequestTag', async () => {
    const all = await authorizationsFor(
      call('sts', 'AssumeRole', {
        RoleArn: ROTATE,
        RoleSessionName: 's',
        'Tags.member.1.Key': 'team',
        'Tags.member.1.Value': 'security',
      }),
      lookups,
    );
    expect(all.map((a) => `${a.action} ${a.resource}`)).toEqual([
      `sts:AssumeRole ${ROTATE}`,
      `sts:TagSession ${ROTATE}`,
    ]);
    expect(all[1]?.context).toMatchObject({
      'aws:RequestTag/team': 'security',
      'aws:TagKeys': ['team'],
    });
  });

  // --- Secrets Manager --------------------------------------------------------------------------

  it('BatchGetSecretValue is authorized as GetSecretValue on each secret: the ones the caller may not read come back in Errors', async () => {
    const world = {
      identities: {
        [LIMITED]: identity(
          'batch',
          statement('secretsmanager:BatchGetSecretValue', '*'),
          statement('secretsmanager:GetSecretValue', MANAGED_OTHER),
        ),
      },
    };
    const request = wire({
      headers: {
        authorization: sigv4('secretsmanager'),
        'x-amz-target': 'secretsmanager.BatchGetSecretValue',
        'content-type': 'application/x-amz-json-1.1',
      },
      body: JSON.stringify({ SecretIdList: [SECRET, MANAGED_OTHER] }),
    });
    const theGate = gate(world, session(LIMITED));
    expect(await theGate.check(request)).toBeUndefined();
    const fromMoto = {
      status: 200,
      headers: { 'content-type': 'application/x-amz-json-1.1' },
      body: JSON.stringify({
        SecretValues: [
          { ARN: SECRET, Name: SECRET_NAME, SecretString: 'canary-secret-value' },
          { ARN: MANAGED_OTHER, Name: 'other', SecretString: 'readable' },
        ],
        Errors: [],
      }),
    };
    const answered = await theGate.answered(request, fromMoto);
    const body = JSON.parse(String(answered.body)) as {
      SecretValues: Array<{ ARN: string }>;
      Errors: Array<{ SecretId: string; ErrorCode: string }>;
    };
    expect(String(answered.body)).not.toContain('canary-secret-value');
    expect(body.SecretValues.map((value) => value.ARN)).toEqual([MANAGED_OTHER]);
    expect(body.Errors).toEqual([
      expect.objectContaining({ SecretId: SECRET, ErrorCode: 'AccessDeniedException' }),
    ]);
    expect(theGate.recentDenials().map((denial) => denial.action)).toContain(
      'secretsmanager:GetSecretValue',
    );
    void DENY_SECRETS;
  });

  // --- the stack's own endpoints ----------------------------------------------------------------

  it('POST /_gatewarden/lambda/credentials unsigned is refused (no role session for anyone who asks)', async () => {
    const request = wire({
      path: '/_gatewarden/lambda/credentials',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ functionName: 'gatewarden-local-rotate' }),
    });
    const answer = await gate({}, session(LIMITED)).lambdaCredentialsFor(
      request,
      'gatewarden-local-rotate',
    );
    expect(answer).toMatchObject({ ok: false, reason: expect.stringMatching(/not signed/) });
  });

  it('POST /_gatewarden/lambda/credentials needs lambda:UpdateFunctionCode on the function (who may run code as the role on AWS)', async () => {
    const request = wire({
      path: '/_gatewarden/lambda/credentials',
      headers: { authorization: sigv4('lambda'), 'content-type': 'application/json' },
      body: JSON.stringify({ functionName: 'gatewarden-local-rotate' }),
    });
    const answer = await gate({}, session(LIMITED)).lambdaCredentialsFor(
      request,
      'gatewarden-local-rotate',
    );
    expect(answer).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/lambda:UpdateFunctionCode/),
    });
  });
});

describe('closed gaps (second pass): KMS use a service makes with the caller’s rights', () => {
  const REPORTS_BUCKET = 'gatewarden-local-reports';
  const withKeys: ResourceLookups = {
    ...lookups,
    bucketAccount: async () => ACCOUNT,
    topicKey: async (arn) => (arn === TOPIC ? ALERTS_KEY : undefined),
    bucketKey: async (bucket) => (bucket === REPORTS_BUCKET ? DATA_KEY : undefined),
  };
  const kmsOf = (all: Array<{ action: string; resource: string; context: unknown }>) =>
    all.filter((a) => a.action.startsWith('kms:'));

  it('Publish to an encrypted topic needs kms:GenerateDataKey and kms:Decrypt on its key, via SNS', async () => {
    const all = await authorizationsFor(
      call('sns', 'Publish', { TopicArn: TOPIC, Message: 'm' }),
      withKeys,
    );
    expect(kmsOf(all).map((a) => `${a.action} ${a.resource}`)).toEqual([
      `kms:GenerateDataKey ${ALERTS_KEY}`,
      `kms:Decrypt ${ALERTS_KEY}`,
    ]);
    expect(kmsOf(all)[0]?.context).toMatchObject({
      'kms:ViaService': `sns.${REGION}.amazonaws.com`,
    });
  });

  it('a publisher without the topic key’s grant is refused, as SNS refuses (KMSAccessDenied)', async () => {
    const publisher = identity('publisher', statement('sns:Publish', TOPIC));
    const enforcer = new IamEnforcer({
      ...source({ identities: { [LIMITED]: publisher } }),
      lookups: () => withKeys,
    });
    const decision = await enforcer.decide(
      as(LIMITED),
      call('sns', 'Publish', { TopicArn: TOPIC, Message: 'm' }),
    );
    expect(decision).toMatchObject({ allowed: false, failed: { action: 'kms:GenerateDataKey' } });
  });

  it.each([
    ['PutObject', 'kms:GenerateDataKey'],
    ['GetObject', 'kms:Decrypt'],
  ])('%s in an SSE-KMS bucket needs %s on the bucket key, via S3', async (operation, action) => {
    const all = await authorizationsFor(
      call('s3', operation, {}, { Bucket: REPORTS_BUCKET, Key: 'r/2026.json' }),
      withKeys,
    );
    expect(kmsOf(all).map((a) => `${a.action} ${a.resource}`)).toEqual([`${action} ${DATA_KEY}`]);
    expect(kmsOf(all)[0]?.context).toMatchObject({
      'kms:ViaService': `s3.${REGION}.amazonaws.com`,
      'kms:EncryptionContext:aws:s3:arn': `arn:aws:s3:::${REPORTS_BUCKET}/r/2026.json`,
    });
  });

  it('a write asking for AES256 and a read of an AES256 object imply no KMS call', async () => {
    const put = await authorizationsFor(
      call('s3', 'PutObject', {}, { Bucket: REPORTS_BUCKET, Key: 'k', Sse: 'AES256' }),
      withKeys,
    );
    const get = await authorizationsFor(
      call('s3', 'GetObject', {}, { Bucket: REPORTS_BUCKET, Key: 'k' }),
      { ...withKeys, objectEncryption: async () => ({ sse: 'AES256' }) },
    );
    expect([kmsOf(put), kmsOf(get)]).toEqual([[], []]);
  });

  it('a read of an object written under another key needs that key', async () => {
    const get = await authorizationsFor(
      call('s3', 'GetObject', {}, { Bucket: REPORTS_BUCKET, Key: 'k' }),
      { ...withKeys, objectEncryption: async () => ({ sse: 'aws:kms', keyId: OWN_KEY }) },
    );
    expect(kmsOf(get).map((a) => `${a.action} ${a.resource}`)).toEqual([`kms:Decrypt ${OWN_KEY}`]);
  });

  it('PutObject naming its own KMS key needs that key', async () => {
    const all = await authorizationsFor(
      call(
        's3',
        'PutObject',
        {},
        { Bucket: 'scratch', Key: 'k', SseKmsKeyId: OWN_KEY, Sse: 'aws:kms' },
      ),
      withKeys,
    );
    expect(kmsOf(all).map((a) => `${a.action} ${a.resource}`)).toEqual([
      `kms:GenerateDataKey ${OWN_KEY}`,
    ]);
  });
});

describe('closed gaps (second pass): calls a stand-in makes for the caller', () => {
  const putManaged = (world: World, who: string) =>
    gate(world, session(who)).serviceCall({
      service: 'bedrock-agentcore.amazonaws.com',
      sourceArn: MANAGED_OTHER,
      signingName: 'secretsmanager',
      operation: 'PutSecretValue',
      region: REGION,
      params: { SecretId: MANAGED_OTHER, SecretString: '{"api_key":"k"}' },
      onBehalfOf: 'ASIALIMITEDSESSION01',
    });

  it('Identity writing a MANAGED provider secret is decided as the caller: a caller without Secrets Manager rights is refused', async () => {
    expect(await putManaged({}, SWEEP)).toBeUndefined();
    expect(await putManaged({}, LIMITED)).toMatch(
      /not authorized to perform: secretsmanager:PutSecretValue/,
    );
  });

  it('the write carries aws:ViaAWSService and aws:CalledVia (the proposed hardening holds through Identity)', async () => {
    const hardened = identity(
      'rotateNow',
      statement(
        'secretsmanager:PutSecretValue',
        `arn:aws:secretsmanager:${HERE}:secret:bedrock-agentcore-identity!default/*`,
        {
          StringEquals: {
            'aws:ResourceTag/aws:secretsmanager:owningService': 'bedrock-agentcore-identity',
          },
          'ForAnyValue:StringEquals': { 'aws:CalledVia': 'bedrock-agentcore.amazonaws.com' },
          Bool: { 'aws:ViaAWSService': 'true' },
        },
      ),
    );
    expect(await putManaged({ identities: { [SWEEP]: hardened } }, SWEEP)).toBeUndefined();
  });
});
